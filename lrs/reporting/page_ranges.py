"""A pass over the change log cut into pages that can be read side by side.

A page is a range of the change log in (change_seq, record id) order, at most `page_rows` changes
long (fewer records when filters leave some out). Its end is found by skipping along the change
log's index (no join, no record built), so the next page is known before this one is read: two
pages are read at once, each in its own short read (on SQLite each on its own connection and
thread, on PostgreSQL each by its own backend), and handed on in order. At most `window` pages are
read ahead of the one being written, so memory stays flat whatever the size of the pass.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, literal, select, tuple_

from lrs.reporting.filters import CompletionFilters
from lrs.reporting.queries import pass_upper_bound
from lrs.storage.engine import Database
from lrs.storage.report_models import ProgressChange

T = TypeVar("T")
READ_AHEAD = 2  # pages read while one is written: the machine's two cores
_LAST_ID = 2**63 - 1


@dataclass(frozen=True)
class PageRange:
    """The changes after `after` up to and including `through` (None: up to the pass's upper bound),
    as (change_seq, record id)."""

    upper: int
    after: tuple[int, int]
    through: tuple[int, int] | None

    def condition(self) -> Any:
        """The range as a WHERE clause. Each end is one index bound: SQLite takes one lower and one
        upper bound into its index search and checks any other on every row it reads, so a page
        bounded by `through` and by the upper bound would read on to the end of the pass."""
        change = ProgressChange
        position = tuple_(change.change_seq, change.id)
        after = position > tuple_(*map(literal, self.after))
        if self.through is None:
            return and_(after, change.change_seq < self.upper)
        return and_(after, position <= tuple_(*map(literal, self.through)))


async def page_ranges(
    database: Database, filters: CompletionFilters, page_rows: int
) -> AsyncIterator[PageRange]:
    """The pages of one pass, in order; the pass's upper bound is fixed when it starts."""
    async with database.read_session() as session:
        upper = await pass_upper_bound(session)
    after = (-1, -1) if filters.since_seq is None else (filters.since_seq, _LAST_ID)
    change = ProgressChange
    while True:
        position = tuple_(change.change_seq, change.id)
        query = (
            select(change.change_seq, change.id)
            .where(change.change_seq < upper, position > tuple_(*map(literal, after)))
            .order_by(change.change_seq, change.id)
            .offset(page_rows - 1)
            .limit(1)
        )
        async with database.read_session() as session:
            found = (await session.execute(query)).first()
        through = None if found is None else (int(found[0]), int(found[1]))
        yield PageRange(upper, after, through)
        if through is None:
            return
        after = through


async def read_in_order(
    ranges: AsyncIterator[PageRange], read: Callable[[PageRange], Awaitable[T]], window: int = READ_AHEAD
) -> AsyncIterator[T]:
    """`read` of each range, in the ranges' order, with up to `window` reads under way while the
    caller works on the page handed to it."""
    pending: deque[asyncio.Future[T]] = deque()
    remaining: list[AsyncIterator[PageRange]] = [ranges]

    async def start_reads() -> None:
        while remaining and len(pending) < window:
            page_range = await anext(ranges, None)
            if page_range is None:
                remaining.clear()
            else:
                pending.append(asyncio.ensure_future(read(page_range)))

    try:
        await start_reads()
        while pending:
            page = await pending.popleft()
            await start_reads()
            yield page
    finally:
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
