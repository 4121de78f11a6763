"""A whole pass of completion records as CSV text, a page at a time, built for size (100,000 learners
x 12 items and more) and byte for byte the file lrs.reporting.flat and csv.writer make.

Most of each line is made where it is cheapest: the database writes the row-by-row cells (status,
times as ISO 8601, last updated, deleted, source; lrs.reporting.line_queries); Python's csv module
quotes and formula-guards the text people typed once per learner on a page and once per item in a
pass; numbers are formatted by Python (`repr`, as csv.writer does), remembered by value within a
page. Python then only joins a handful of strings per line. The next page is read while the
current one is written, and each page is dropped once written, so memory stays flat.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.reporting.export import CsvDialect
from lrs.reporting.filters import CompletionFilters, Cursor
from lrs.reporting.flat import FLAT_PAGE_ROWS, safe_text
from lrs.reporting.item_entry import ItemEntry, item_contribution
from lrs.reporting.line_queries import KEY_SEPARATOR, change_position, item_titles, learner_cells, line_rows
from lrs.reporting.off_the_job import programmes_with_hours
from lrs.reporting.queries import pass_upper_bound
from lrs.reporting.records import FINISHED
from lrs.storage.engine import Database

_PageRead = tuple[str, int, Cursor | None]
_REMEMBERED = 50_000


async def csv_pass(
    database: Database, filters: CompletionFilters, dialect: CsvDialect, *, page_rows: int = FLAT_PAGE_ROWS
) -> AsyncIterator[tuple[str, int]]:
    """Every matching record of one pass as CSV lines (no header): a page's text and its number of
    records at a time."""
    async with database.read_session() as session:
        upper = await pass_upper_bound(session)
    reader = _LinePageReader(database, filters, dialect, page_rows)
    pending: asyncio.Task[_PageRead] | None = asyncio.ensure_future(reader.read(Cursor(upper, -1, -1)))
    try:
        while pending is not None:
            text, count, following = await pending
            pending = asyncio.ensure_future(reader.read(following)) if following else None
            if count:
                yield text, count
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending


class _LinePageReader:
    def __init__(
        self, database: Database, filters: CompletionFilters, dialect: CsvDialect, page_rows: int
    ) -> None:
        self.database, self.filters, self.page_rows = database, filters, page_rows
        self.line_end = dialect.line_end
        self.programmes: dict[str, Programme | None] = {}  # off-the-job look-ups, kept for the pass
        self.titles: dict[str, dict[tuple[str, str], str]] = {}  # by programme, kept for the pass
        self.entries: dict[str, ItemEntry] = {}  # by item state key, kept for the pass (a few per item)
        self.programme_cells: dict[tuple[ItemEntry, str], tuple[str, str]] = {}

    async def read(self, after: Cursor) -> _PageRead:
        """One page as CSV text, and the cursor after it (None when it was the last)."""
        async with self.database.read_session() as session:
            rows = await line_rows(session, self.filters, after, self.page_rows)
            if not rows:
                return "", 0, None
            people = await self._people(session, rows)
            await self._load_programmes(session, rows)
            following = None
            if len(rows) == self.page_rows:
                last = rows[-1][0]
                following = Cursor(after.upper, await change_position(session, last), last)
        return "".join(self._lines(rows, people)), len(rows), following

    def _lines(self, rows: list[Sequence[Any]], people: dict[int, str]) -> list[str]:
        minutes: dict[int | None, str] = {None: ""}  # the time spent (minutes) cell, by ms
        spent_hours: dict[tuple[str, int], str] = {}  # e-learning hours, by (item key, ms)
        end, entries, lines = self.line_end, self.entries, []
        for record_id, learner_id, key, middle, score, spent, programme_items, tail in rows:
            entry = entries.get(key) or self._entry(key)
            share, hours = entry.completion_pct, entry.hours
            if programme_items is not None:
                share, hours = self._programme_cells(entry, programme_items)
            elif hours is None:  # a module counted by the e-learning time its statements recorded
                hours = spent_hours.get((key, spent)) or spent_hours.setdefault(
                    (key, spent), entry.hours_for(spent)
                )
            spent_cell = minutes.get(spent)
            if spent_cell is None:
                spent_cell = minutes[spent] = repr(round(spent / 60_000, 1))
            score_cell = "" if score is None else repr(score)
            lines.append(
                f"{record_id},{learner_id},{people[learner_id]},{entry.cells},{middle},{score_cell},"
                f"{spent_cell},{share},{hours}{tail}{end}"
            )
        return lines

    def _entry(self, key: str) -> ItemEntry:
        programme_id, cohort, kind, item_id, state = key.split(KEY_SEPARATOR)
        title = self.titles.get(programme_id, {}).get((kind, item_id))
        cells = csv_cells(
            [safe_text(programme_id), safe_text(cohort), kind, safe_text(item_id), safe_text(title)],
            self.line_end,
        )
        entry = ItemEntry(cells, self.programmes.get(programme_id), kind, item_id, state)
        self.entries[key] = entry
        return entry

    def _programme_cells(self, entry: ItemEntry, programme_items: str) -> tuple[str, str]:
        """A programme record's completion % (its modules and sessions) and total hours, remembered
        by what decides them (learners in the same place share them)."""
        key = (entry, programme_items)
        found = self.programme_cells.get(key)
        if found is None:
            if len(self.programme_cells) >= _REMEMBERED:  # flat memory
                self.programme_cells.clear()
            found = self.programme_cells[key] = _programme_cells(entry, programme_items)
        return found

    async def _people(self, session: AsyncSession, rows: list[Sequence[Any]]) -> dict[int, str]:
        """The page's learners' cells (employee number to job role), quoted by the csv module."""
        found = await learner_cells(session, {row[1] for row in rows})
        end = self.line_end
        return {person: csv_cells([safe_text(cell) for cell in cells], end) for person, *cells in found}

    async def _load_programmes(self, session: AsyncSession, rows: list[Sequence[Any]]) -> None:
        """Titles and off-the-job hours of the page's programmes (read once a pass)."""
        programme_ids = {row[2].split(KEY_SEPARATOR, 1)[0] for row in rows}
        await programmes_with_hours(session, programme_ids, self.programmes)
        for programme_id in sorted(programme_ids - self.titles.keys()):
            self.titles[programme_id] = await item_titles(session, programme_id)


def _programme_cells(entry: ItemEntry, programme_items: str) -> tuple[str, str]:
    done, total, items = programme_items.split("/", 2)
    share = "" if entry.status is None else _number(_completion_pct(entry.status, done, total))
    if entry.programme is None or entry.deleted:
        return share, ""
    hours = 0.0  # summed in the order lrs.reporting.flat sums them: by item kind and id
    for item in items.split(",") if items else ():
        kind, item_id, status, satisfied, spent = item.split(":")
        hours += item_contribution(entry.programme, kind, item_id, status, satisfied == "1", int(spent))
    return share, repr(round(hours, 2))


def csv_cells(values: Sequence[object], line_end: str) -> str:
    """Cells as csv.writer writes them within a row (several cells: one empty cell alone is `""`)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerow(values)
    return buffer.getvalue()[: -len(line_end)]


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def _completion_pct(status: str | None, done: str, total: str) -> float | None:
    """As lrs.reporting.records.completion_pct (a programme record counts its items)."""
    if status is None:
        return None
    if total and int(total):
        return round(100.0 * (int(done) if done else 0) / int(total), 1)
    return 100.0 if status in FINISHED else 0.0
