"""How far behind the event pipeline is: one set of numbers for `lrs events status`, /readyz and metrics.

Every figure is read from an index that holds only its own rows (lrs.storage.models.OutboxEvent):
the claim's timing is that of the claim's own query, run read-only; the oldest pending age is read
from the head of `ix_outbox_open`; the drain rate counts rows processed in the last minute from
`ix_outbox_processed`. Counting pending rows and due timers reads those rows' index entries, so it
costs what is pending, never what was processed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.events.consumer import ConsumerOptions, due_rows
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.progress_models import Timer

DRAIN_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class PipelineStatus:
    pending: int  # open rows: not processed, not dead (including leased and not yet due)
    due: int  # of those, due now
    oldest_due_age_seconds: float | None  # how long the longest-waiting due row has been due
    claim_ms: float  # the claim query for one batch, timed now (read-only, without the locks)
    drained_last_minute: int  # rows processed in the last minute
    drain_per_second: float
    dead_letters: int
    due_timers: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


async def pipeline_status(
    database: Database, clock: Clock, options: ConsumerOptions | None = None
) -> PipelineStatus:
    now = clock()
    batch = (options or ConsumerOptions()).batch_size
    async with database.read_session() as session:
        claim_ms = await _timed_claim(session, now, batch)
        pending, due = await _open_counts(session, now)
        oldest_id = await session.scalar(due_rows(now, 1))
        oldest = None if oldest_id is None else await session.get(OutboxEvent, oldest_id)
        recent = OutboxEvent.processed_at > now - DRAIN_WINDOW
        drained = await _count(session, OutboxEvent.processed_at.is_not(None), recent)
        dead = await _count(session, OutboxEvent.dead_at.is_not(None), OutboxEvent.processed_at.is_(None))
        timers = await session.scalar(
            select(func.count()).select_from(Timer).where(Timer.fired_at.is_(None), Timer.due_at <= now)
        )
    return PipelineStatus(
        pending=pending,
        due=due,
        oldest_due_age_seconds=None
        if oldest is None
        else max((now - oldest.available_at).total_seconds(), 0.0),
        claim_ms=claim_ms,
        drained_last_minute=drained,
        drain_per_second=drained / DRAIN_WINDOW.total_seconds(),
        dead_letters=dead,
        due_timers=int(timers or 0),
    )


async def _timed_claim(session: AsyncSession, now: datetime, batch: int) -> float:
    started = time.perf_counter()
    list(await session.scalars(due_rows(now, batch)))
    return (time.perf_counter() - started) * 1000


async def _open_counts(session: AsyncSession, now: datetime) -> tuple[int, int]:
    is_open = (OutboxEvent.processed_at.is_(None), OutboxEvent.dead_at.is_(None))
    pending = await _count(session, *is_open)
    due = await _count(session, *is_open, OutboxEvent.available_at <= now)
    return pending, due


async def _count(session: AsyncSession, *conditions: Any) -> int:
    found = await session.scalar(select(func.count()).select_from(OutboxEvent).where(*conditions))
    return int(found or 0)
