"""A whole pass of completion records as CSV text, a page at a time, built for size (100,000 learners
x 12 items and more) and byte for byte the file lrs.reporting.flat and csv.writer make.

Most of each line is made where it is cheapest: the database writes the row-by-row cells (progress
times and last updated as ISO 8601; lrs.reporting.line_queries); Python's csv module quotes and
formula-guards the text people typed once per learner on a page and once per item in a pass; the
enrolment time is read once per learner on a page; what an item in a state shares (its cells, its
completion % and hours, the deleted and source cells) is worked out once a pass
(lrs.reporting.item_entry); the time spent is formatted by Python (`repr`, as csv.writer does) once
per value. Python then only joins a handful of strings per line. Two pages are read while one is
written (lrs.reporting.page_ranges), and each page is dropped once written, so memory stays flat.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.reporting.export import CsvDialect
from lrs.reporting.filters import CompletionFilters
from lrs.reporting.flat import FLAT_PAGE_ROWS, safe_text
from lrs.reporting.item_entry import ItemEntry, ProgrammeItems
from lrs.reporting.line_queries import KEY_SEPARATOR, enrolment_times, item_titles, learner_cells, line_rows
from lrs.reporting.off_the_job import programmes_with_hours
from lrs.reporting.page_ranges import PageRange, page_ranges, read_in_order
from lrs.storage.engine import Database


@dataclass(frozen=True)
class _Page:
    rows: list[Sequence[Any]]
    people: dict[int, str]  # a learner's cells, employee number to job role
    enrolled: dict[tuple[int, str], str]  # (learner, cohort): the enrolment time cell


async def csv_pass(
    database: Database, filters: CompletionFilters, dialect: CsvDialect, *, page_rows: int = FLAT_PAGE_ROWS
) -> AsyncIterator[tuple[str, int]]:
    """Every matching record of one pass as CSV lines (no header): a page's text and its number of
    records at a time."""
    reader = _LinePageReader(database, filters, dialect)
    async for page in read_in_order(page_ranges(database, filters, page_rows), reader.read):
        if page.rows:
            yield "".join(reader.lines(page)), len(page.rows)


class _LinePageReader:
    def __init__(self, database: Database, filters: CompletionFilters, dialect: CsvDialect) -> None:
        self.database, self.filters, self.line_end = database, filters, dialect.line_end
        self.programmes: dict[str, Programme | None] = {}  # off-the-job look-ups, kept for the pass
        self.titles: dict[str, dict[tuple[str, str], str]] = {}  # by programme, kept for the pass
        self.entries: dict[str, ItemEntry] = {}  # by item state key, kept for the pass (a few per item)
        self.programme_items = ProgrammeItems()
        self.minutes: dict[int | None, str] = {None: ""}  # the time spent (minutes) cell, by ms

    async def read(self, page_range: PageRange) -> _Page:
        """One page's rows, and the cells of the learners they name."""
        async with self.database.read_session() as session:
            rows = await line_rows(session, self.filters, page_range)
            if not rows:
                return _Page(rows, {}, {})
            learner_ids = {row[1] for row in rows}
            people, enrolled = await self._learners(session, learner_ids)
            await self._load_programmes(session, rows)
        if len(people) < len(learner_ids):  # a learner without an organisation: not a record (inner join)
            rows = [row for row in rows if row[1] in people]
        return _Page(rows, people, enrolled)

    def lines(self, page: _Page) -> list[str]:
        """The page's records as CSV lines."""
        if len(self.minutes) > 50_000:  # flat memory
            self.minutes = {None: ""}
        minutes, entries = self.minutes, self.entries
        people, enrolled, lines = page.people, page.enrolled, []
        for record_id, learner_id, key, times, score, spent, programme_items, updated in page.rows:
            entry = entries.get(key) or self._entry(key)
            if programme_items is not None:
                pct_and_hours = self.programme_items.pct_and_hours(entry, programme_items)
            else:  # None: a module counted by the e-learning time its statements recorded
                pct_and_hours = entry.pct_and_hours or entry.pct_and_hours_for(spent)
            spent_cell = minutes.get(spent)
            if spent_cell is None:
                spent_cell = minutes[spent] = repr(round(spent / 60_000, 1))
            score_cell = "" if score is None else repr(score)
            lines.append(
                f"{record_id},{learner_id},{people[learner_id]},{entry.cells},"
                f"{enrolled.get((learner_id, entry.cohort), '')},{times},{score_cell},{spent_cell},"
                f"{pct_and_hours},{updated}{entry.ending}"
            )
        return lines

    def _entry(self, key: str) -> ItemEntry:
        programme_id, cohort, kind, item_id, _state = key.split(KEY_SEPARATOR)
        title = self.titles.get(programme_id, {}).get((kind, item_id))
        cells = csv_cells(
            [safe_text(programme_id), safe_text(cohort), kind, safe_text(item_id), safe_text(title)],
            self.line_end,
        )
        entry = ItemEntry(key, cells, self.programmes.get(programme_id), self.line_end)
        self.entries[key] = entry
        return entry

    async def _learners(
        self, session: AsyncSession, learner_ids: set[int]
    ) -> tuple[dict[int, str], dict[tuple[int, str], str]]:
        """The learners' cells (employee number to job role, quoted by the csv module), and their
        enrolment time cells by (learner, cohort)."""
        ids, end = sorted(learner_ids), self.line_end
        people = {
            person: csv_cells([safe_text(cell) for cell in cells], end)
            for person, *cells in await learner_cells(session, ids)
        }
        enrolled = {(person, cohort): when for person, cohort, when in await enrolment_times(session, ids)}
        return people, enrolled

    async def _load_programmes(self, session: AsyncSession, rows: list[Sequence[Any]]) -> None:
        """Titles and off-the-job hours of the programmes of the page's new items (read once a pass)."""
        new_keys = {row[2] for row in rows} - self.entries.keys()
        programme_ids = {key.split(KEY_SEPARATOR, 1)[0] for key in new_keys}
        await programmes_with_hours(session, programme_ids, self.programmes)
        for programme_id in sorted(programme_ids - self.titles.keys()):
            self.titles[programme_id] = await item_titles(session, programme_id)


def csv_cells(values: Sequence[object], line_end: str) -> str:
    """Cells as csv.writer writes them within a row (several cells: one empty cell alone is `""`)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerow(values)
    return buffer.getvalue()[: -len(line_end)]
