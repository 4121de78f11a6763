"""CSV exports a spreadsheet opens safely: a cell that starts like a formula is neutralised.

A name such as `=HYPERLINK("https://evil.example","Click")` would run as a formula in Excel or
LibreOffice. OWASP's advice is followed: a text cell (not a number) starting with `=`, `+`, `-`, `@`,
a tab or a carriage return gets a leading apostrophe, which spreadsheets take as "show as text" and
do not display. Every CSV this service writes goes through `csv_text` (or `safe_cell`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """`value` as CSV cell text, with a leading apostrophe when it would start a formula."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, int | float):  # a number, negative or not, is data, not a formula
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV document (header and rows, CRLF line ends), every cell through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
