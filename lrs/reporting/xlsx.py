"""XLSX export with openpyxl in write-only mode: rows go to a temporary file as they come, so memory
stays flat whatever the size; the finished file is then sent in chunks. A sheet holds at most
1,048,576 rows (Excel's limit), so a larger export carries on in "Completions 2", "Completions 3"...
each with the header row."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from lrs.reporting.flat import FlatRow
from lrs.reporting.records import HR_COLUMNS

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_CHUNK = 256 * 1024
SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header included


async def write_xlsx(pages: AsyncIterator[list[FlatRow]], path: Path, *, sheet_rows: int = SHEET_ROWS) -> int:
    """Write every row of `pages` (lrs.reporting.flat) to `path`; the number of rows written. The
    workbook is written in a worker thread, a page at a time, so the server keeps answering."""
    book = _Book(sheet_rows)
    count = 0
    async for page in pages:
        await asyncio.to_thread(book.append, page)
        count += len(page)
    await asyncio.to_thread(book.workbook.save, path)
    return count


class _Book:
    """A write-only workbook that starts a new sheet when one is full (used by one thread at a time)."""

    def __init__(self, sheet_rows: int) -> None:
        self.workbook, self.sheet_rows = Workbook(write_only=True), sheet_rows
        self.sheet, self.room = self._new_sheet(), sheet_rows - 1

    def append(self, page: list[FlatRow]) -> None:
        for row in page:
            if not self.room:
                self.sheet, self.room = self._new_sheet(), self.sheet_rows - 1
            self.sheet.append(row)
            self.room -= 1

    def _new_sheet(self) -> Any:
        number = len(self.workbook.worksheets) + 1
        sheet = self.workbook.create_sheet("Completions" if number == 1 else f"Completions {number}")
        sheet.append([name for name, _ in HR_COLUMNS])
        return sheet


def temporary_xlsx() -> Path:
    descriptor, name = tempfile.mkstemp(prefix="completions-", suffix=".xlsx")
    os.close(descriptor)
    return Path(name)
