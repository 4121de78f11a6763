"""A whole pass of completion records as flat rows for the file exports (CSV, XLSX).

Built for size (100,000 learners x 12 items and more): keyset pages of 10,000 rows read as plain
tuples (no ORM objects; times written as ISO 8601 text by SQLite itself, or aware datetimes from
asyncpg), each turned straight into the
HR_COLUMNS values, already safe for a spreadsheet (see lrs.csv_safety) and already formatted as the
JSON API formats them. The next page is read while the current one is being written, and each page
is dropped once written, so memory stays flat whatever the size of the pass.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.progress.off_the_job import ItemState, item_hours
from lrs.reporting.filters import CompletionFilters, Cursor
from lrs.reporting.off_the_job import programmes_with_hours
from lrs.reporting.queries import item_rows, pass_upper_bound, raw_record_rows
from lrs.reporting.records import FINISHED, SOURCE
from lrs.storage.engine import Database

FLAT_PAGE_ROWS = 10_000
FlatRow = tuple[object, ...]  # HR_COLUMNS values, in order
_FORMULA_FIRST = frozenset("=+-@\t\r")
_REMEMBERED_HOURS = 50_000
_SATISFIED = datetime(2000, 1, 1, tzinfo=UTC)  # an item's hours depend on whether it is satisfied, not when


async def flat_pass(
    database: Database, filters: CompletionFilters, *, page_rows: int = FLAT_PAGE_ROWS
) -> AsyncIterator[list[FlatRow]]:
    """Every matching record of one pass as flat rows, a page at a time (each page its own read)."""
    async with database.read_session() as session:
        upper = await pass_upper_bound(session)
    reader = _PageReader(database, filters, page_rows)
    pending: asyncio.Task[tuple[list[FlatRow], Cursor | None]] | None
    pending = asyncio.ensure_future(reader.read(Cursor(upper, -1, -1)))
    try:
        while pending is not None:
            page, following = await pending
            pending = asyncio.ensure_future(reader.read(following)) if following else None
            if page:
                yield page
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending


class _PageReader:
    def __init__(self, database: Database, filters: CompletionFilters, page_rows: int) -> None:
        self.database, self.filters, self.page_rows = database, filters, page_rows
        self.hours = PageHours()

    async def read(self, after: Cursor) -> tuple[list[FlatRow], Cursor | None]:
        """One page, and the cursor after it (None when it was the last)."""
        async with self.database.read_session() as session:
            rows = await raw_record_rows(session, self.filters, after, self.page_rows)
            hours = await self.hours.of_page(session, rows)
        following = Cursor(after.upper, rows[-1][6], rows[-1][0]) if len(rows) == self.page_rows else None
        if hours is None:
            return [flat_row(row, None) for row in rows], following
        return [flat_row(row, hours(row)) for row in rows], following


class PageHours:
    """Off-the-job hours of a page of rows, remembered across the pages of one pass. A row has, by
    position (as RECORD_COLUMNS): 1 learner id, 2 programme, 3 cohort, 4 item kind, 5 item id,
    8 deleted, 9 progress id (None: no progress row), 10 status, 13 satisfied (None: not satisfied),
    15 time spent in ms."""

    def __init__(self) -> None:
        self.programmes: dict[str, Programme | None] = {}  # off-the-job look-ups, kept for the pass
        self.item_hours: dict[tuple[object, ...], float] = {}  # an item's hours by what decides them

    async def of_page(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> Any:
        """None when no programme on the page counts off-the-job hours, else row -> hours."""
        programmes = await programmes_with_hours(session, {row[2] for row in rows}, self.programmes)
        if not programmes:
            return None
        owners = {(row[1], row[3]) for row in rows if row[4] == "programme" and row[2] in programmes}
        totals = await self._totals(session, owners, programmes)

        def hours(row: Sequence[Any]) -> float | None:
            programme = programmes.get(row[2])
            if programme is None or row[8]:
                return None
            if row[4] == "programme":
                return totals.get((row[1], row[3]), 0.0)
            live = row[9] is not None
            minutes = round(row[15] / 60_000, 1) if live else 0.0  # as the JSON API: from the minutes
            status, satisfied = (row[10], row[13]) if live else ("", None)
            return self._item_hours(programme, row[4], row[5], status, satisfied, int(minutes * 60_000))

        return hours

    async def _totals(
        self, session: AsyncSession, owners: set[tuple[int, str]], programmes: dict[str, Programme]
    ) -> dict[tuple[int, str], float]:
        """Each (learner, cohort) of a programme record on the page: their total (as learner_hours)."""
        totals: dict[tuple[int, str], float] = {}
        for learner_id, cohort, programme_id, kind, item_id, status, satisfied, spent in await item_rows(
            session, owners
        ):
            programme = programmes.get(programme_id)
            if programme is not None and (learner_id, cohort) in owners:
                found = self._item_hours(programme, kind, item_id, status, satisfied, spent or 0)
                totals[learner_id, cohort] = totals.get((learner_id, cohort), 0.0) + found
        return {owner: round(total, 2) for owner, total in totals.items()}

    def _item_hours(
        self, programme: Programme, kind: str, item_id: str, status: str, satisfied: object, spent_ms: int
    ) -> float:
        """lrs.progress.off_the_job.item_hours, remembered: the hours depend on whether the item is
        satisfied, not on when."""
        key = (programme.id, kind, item_id, status, satisfied is None, spent_ms)
        if key not in self.item_hours:
            if len(self.item_hours) >= _REMEMBERED_HOURS:  # flat memory: many distinct times spent
                self.item_hours.clear()
            moment = None if satisfied is None else _SATISFIED
            found = item_hours(programme, ItemState(kind, item_id, status, moment, spent_ms))
            self.item_hours[key] = found.hours if found else 0.0
        return self.item_hours[key]


def flat_row(row: Sequence[Any], off_the_job_hours: float | None) -> FlatRow:
    """One raw record row (RECORD_COLUMNS order) as its HR_COLUMNS values."""
    (record_id, learner_id, programme, cohort, kind, item_id, _seq, updated, deleted, progress_id) = row[:10]
    (status, started, completed, satisfied, score, spent, employee, email, name) = row[10:19]
    (organisation, role, organisation_name, enrolled, title, done, total) = row[19:]
    live = progress_id is not None and not deleted
    if not live:
        status = started = completed = satisfied = score = None
    return (
        str(record_id),
        str(learner_id),
        safe_text(employee),
        safe_text(email),
        safe_text(name),
        safe_text(organisation),
        safe_text(organisation_name),
        safe_text(role),
        safe_text(programme),
        safe_text(cohort),
        kind,
        safe_text(item_id),
        safe_text(title),
        status,
        _iso(enrolled),
        _iso(started),
        _iso(completed),
        _iso(satisfied),
        score,
        round(spent / 60_000, 1) if live else None,
        _completion_pct(status, done, total),
        off_the_job_hours,
        _iso(updated),
        "Y" if deleted else "N",
        SOURCE,
    )


def safe_text(text: str | None) -> str | None:
    """A text cell a spreadsheet shows as text, never runs as a formula (lrs.csv_safety)."""
    if text and text[0] in _FORMULA_FIRST:
        return "'" + text
    return text


def _iso(moment: str | datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, exactly as the JSON API writes it (no fraction when it is zero). On
    SQLite the query already made that text; PostgreSQL hands back an aware datetime."""
    if moment is None or type(moment) is str:
        return moment
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]


def _completion_pct(status: str | None, done: object, total: object) -> float | None:
    """As lrs.reporting.records.completion_pct."""
    if status is None:
        return None
    if isinstance(total, int) and total:
        return round(100.0 * (done if isinstance(done, int) else 0) / total, 1)
    return 100.0 if status in FINISHED else 0.0
