"""XLSX export with openpyxl in write-only mode: rows go to a temporary file as they come, so memory
stays flat whatever the size; the finished file is then sent in chunks."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from openpyxl import Workbook

from lrs.reporting.export import safe_cell
from lrs.reporting.records import HR_COLUMNS, CompletionRecord, flat_values

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_CHUNK = 256 * 1024


async def write_xlsx(pages: AsyncIterator[list[CompletionRecord]], path: Path) -> int:
    """Write every record of `pages` to `path`; the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Completions")
    sheet.append([name for name, _ in HR_COLUMNS])
    count = 0
    async for page in pages:
        for record in page:
            sheet.append([safe_cell(value) for value in flat_values(record)])
        count += len(page)
    workbook.save(path)
    return count


def temporary_xlsx() -> Path:
    descriptor, name = tempfile.mkstemp(prefix="completions-", suffix=".xlsx")
    os.close(descriptor)
    return Path(name)
