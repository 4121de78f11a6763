"""XLSX export with openpyxl in write-only mode: rows go to a temporary file as they come, so memory
stays flat whatever the size; the finished file is then sent in chunks. A sheet holds at most
1,048,576 rows (Excel's limit), so a larger export carries on in "Completions 2", "Completions 3"...
each with the header row."""

from __future__ import annotations

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
    """Write every row of `pages` (lrs.reporting.flat) to `path`; the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet, room, count = _new_sheet(workbook), sheet_rows - 1, 0
    async for page in pages:
        for row in page:
            if not room:
                sheet, room = _new_sheet(workbook), sheet_rows - 1
            sheet.append(row)
            room -= 1
        count += len(page)
    workbook.save(path)
    return count


def _new_sheet(workbook: Workbook) -> Any:
    number = len(workbook.worksheets) + 1
    sheet = workbook.create_sheet("Completions" if number == 1 else f"Completions {number}")
    sheet.append([name for name, _ in HR_COLUMNS])
    return sheet


def temporary_xlsx() -> Path:
    descriptor, name = tempfile.mkstemp(prefix="completions-", suffix=".xlsx")
    os.close(descriptor)
    return Path(name)
