"""A whole pass of completion records, page by page, and the CSV files HR systems import.

CSV is UTF-8 (the `excel` variant adds a BOM and CRLF line ends). The export writes its lines with
lrs.reporting.csv_lines; `csv_chunk` writes the flat rows of lrs.reporting.flat the row-by-row way,
the file those lines must equal byte for byte (tests/lrs/reporting/test_csv_lines.py). XLSX is in
lrs.reporting.xlsx. Text cells that a spreadsheet would run as a
formula (starting with = + - @, or a tab or carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from lrs.reporting.filters import CompletionFilters, Cursor
from lrs.reporting.flat import FlatRow
from lrs.reporting.queries import completion_records, pass_upper_bound
from lrs.reporting.records import HR_COLUMNS, CompletionRecord
from lrs.storage.engine import Database

PAGE_ROWS = 2000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvDialect:
    bom: bool
    line_end: str


CSV_PLAIN = CsvDialect(bom=False, line_end="\n")
CSV_EXCEL = CsvDialect(bom=True, line_end="\r\n")


async def whole_pass(
    database: Database, filters: CompletionFilters, *, page_rows: int = PAGE_ROWS
) -> AsyncIterator[list[CompletionRecord]]:
    """Every matching record of one pass, a page at a time (each page its own short read)."""
    async with database.read_session() as session:
        cursor = Cursor(upper=await pass_upper_bound(session), seq=-1, record_id=-1)
    while True:
        async with database.read_session() as session:
            page = await completion_records(session, filters, cursor, page_rows)
        if page:
            yield page
        if len(page) < page_rows:
            return
        cursor = Cursor(cursor.upper, page[-1].change_seq, page[-1].record_id)


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_header(dialect: CsvDialect) -> str:
    return ("\ufeff" if dialect.bom else "") + csv_rows([[name for name, _ in HR_COLUMNS]], dialect)


def csv_rows(rows: Iterable[Iterable[object]], dialect: CsvDialect) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=dialect.line_end)
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_chunk(page: list[FlatRow], dialect: CsvDialect) -> str:
    """Flat rows (already spreadsheet-safe and formatted) as CSV text, in one C-level loop."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=dialect.line_end).writerows(page)
    return buffer.getvalue()
