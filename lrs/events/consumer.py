"""Consuming the outbox: at least once, exactly once in effect.

1. `claim` leases a batch of due rows in one short transaction, read in due order from the partial
   index of open rows (`due_rows`), so its cost is O(batch) whatever the backlog; on PostgreSQL with
   `FOR UPDATE SKIP LOCKED`, so concurrent workers get disjoint batches; SQLite has a single writer.
   Leasing moves `available_at` forward by `lease`; if the worker dies the lease runs out and
   another worker takes the rows again.
2. The claimed rows are handled in groups, one transaction per group (until the batch ends or the
   group has run `group_seconds`: on SQLite the group holds the single writer). The group re-locks
   its rows in one query and skips those some other worker finished after our lease ran out; each
   event goes to its listeners, each listener in a savepoint of its own; one UPDATE marks the group's
   rows processed, so the listeners' effects and the marks commit (or vanish) together. One COMMIT
   per group instead of per row, and no SQL at all for a row without listeners, is most of the
   worker's speed.
3. A listener that fails is rolled back to its savepoint; the others' work commits and a retry row
   addressed to the failed listener alone (`_listener` in the payload) is queued with backoff. A row
   that cannot be handled at all (undecodable, or its addressed listener failed again) has
   `attempts`, `available_at` and `last_error` updated; after `max_attempts` it is dead-lettered
   (`dead_at` set, left unprocessed, never claimed again until replayed: lrs.events.dead). If a
   group's transaction itself fails (a lost connection, a listener ending the transaction), its rows
   are handled again one transaction each.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.events.bus import EventBus, ListenerFailure
from lrs.events.types import decode_event
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.outbox import encode_payload

log = logging.getLogger(__name__)

LISTENER_KEY = "_listener"


@dataclass(frozen=True)
class ConsumerOptions:
    batch_size: int = 100
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=5)
    max_backoff: timedelta = timedelta(hours=1)
    group_seconds: float = 0.05  # longest a group's transaction runs before it commits

    def backoff(self, attempts: int) -> timedelta:
        """Delay before attempt `attempts + 1`: doubling from `first_backoff`, capped."""
        delay: timedelta = self.first_backoff * (2 ** max(attempts - 1, 0))
        return min(delay, self.max_backoff)


def options_for(
    is_sqlite: bool, *, lease: timedelta, batch_size: int = 0, group_seconds: float = 0.0
) -> ConsumerOptions:
    """The worker's options for its database: bigger claims and groups amortise the claim, the
    group listeners' set-wise queries and the commit. On SQLite a group holds the single writer,
    so its budget stays short; on PostgreSQL ingest never waits for it. 0 picks the default."""
    if batch_size < 0 or group_seconds < 0:
        raise ValueError("worker_batch_size and worker_group_seconds must not be negative")
    return ConsumerOptions(
        batch_size=batch_size or (500 if is_sqlite else 1000),
        lease=lease,
        group_seconds=group_seconds or (0.2 if is_sqlite else 2.0),
    )


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    topic: str
    payload: str
    attempts: int


def due_rows(now: datetime, limit: int) -> Select[int]:
    """The ids of the first `limit` open rows due at `now`, in due order: a range read of
    `ix_outbox_open` (its predicate repeated here so both planners pick it), no sort, whatever the
    table holds. Dead letters and processed rows are not in that index; leased rows are due later."""
    return (
        select(OutboxEvent.id)
        .where(OutboxEvent.processed_at.is_(None), OutboxEvent.dead_at.is_(None))
        .where(OutboxEvent.available_at <= now)
        .order_by(OutboxEvent.available_at, OutboxEvent.id)
        .limit(limit)
    )


class OutboxConsumer:
    def __init__(
        self, database: Database, bus: EventBus, *, clock: Clock, options: ConsumerOptions | None = None
    ) -> None:
        self.database = database
        self.bus = bus
        self.clock = clock
        self.options = options or ConsumerOptions()

    async def run_once(self) -> int:
        """Claim one batch and process it; return how many rows were claimed."""
        claimed = await self.claim()
        remaining = claimed
        while remaining:
            remaining = await self._process_group(remaining)
        return len(claimed)

    async def claim(self) -> list[ClaimedEvent]:
        now = self.clock()
        async with self.database.write_session() as session, session.begin():
            due = due_rows(now, self.options.batch_size).with_for_update(skip_locked=True)
            ids = [row_id for (row_id,) in await session.execute(due)]
            if not ids:
                return []
            rows = await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids))
                .values(available_at=now + self.options.lease)
                .returning(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload, OutboxEvent.attempts)
            )
            claimed = [ClaimedEvent(*row) for row in rows]
        return sorted(claimed, key=lambda item: item.id)

    async def _process_group(self, claimed: list[ClaimedEvent]) -> list[ClaimedEvent]:
        """Process rows from the head of `claimed` in one transaction; return the rows left."""
        taken = 0
        try:
            async with self.database.write_session() as session, session.begin():
                still_open = await self._lock_unprocessed(session, [row.id for row in claimed])
                started = time.monotonic()  # the budget is for handling, not for taking the writer
                handled: list[int] = []
                for row in claimed:
                    taken += 1
                    if row.id in still_open and await self._handle(session, row):
                        handled.append(row.id)
                    if time.monotonic() - started >= self.options.group_seconds:
                        break
                failed = await self._finish_group(session)
                await self._mark_processed(session, [row_id for row_id in handled if row_id not in failed])
        except Exception:  # the transaction itself failed: nothing of it stands, so go row by row
            log.warning("outbox group of %s rows failed; processing them one by one", taken, exc_info=True)
            for row in claimed[:taken]:
                await self.process(row)
        return claimed[taken:]

    async def process(self, claimed: ClaimedEvent) -> None:
        """Process one row in a transaction of its own."""
        try:
            async with self.database.write_session() as session, session.begin():
                still_open = claimed.id in await self._lock_unprocessed(session, [claimed.id])
                handled = still_open and await self._handle(session, claimed)
                if handled and claimed.id not in await self._finish_group(session):
                    await self._mark_processed(session, [claimed.id])
        except Exception as err:  # the whole row failed: count the attempt and back off
            log.exception("outbox event %s (%s) failed", claimed.id, claimed.topic)
            async with self.database.write_session() as session, session.begin():
                await self._record_failure_in(session, claimed, f"{type(err).__name__}: {err}")

    async def _lock_unprocessed(self, session: AsyncSession, ids: list[int]) -> set[int]:
        """Lock the rows (in id order) and return those no other worker finished after our lease ran out."""
        rows = await session.scalars(
            select(OutboxEvent.id)
            .where(OutboxEvent.id.in_(ids), OutboxEvent.processed_at.is_(None))
            .order_by(OutboxEvent.id)
            .with_for_update()
        )
        return set(rows)

    async def _mark_processed(self, session: AsyncSession, ids: list[int]) -> None:
        if ids:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids))
                .values(processed_at=self.clock(), last_error=None)
            )

    async def _handle(self, session: AsyncSession, claimed: ClaimedEvent) -> bool:
        """Hand the row's event to its listeners, each in a savepoint; queue retries for those that
        failed. False when the row itself failed (its attempt is recorded): leave it unprocessed."""
        try:
            payload: dict[str, Any] = json.loads(claimed.payload)
            event = decode_event(claimed.topic, payload)
        except ValueError as err:  # not JSON, or not its topic's shape (PayloadError)
            log.error("outbox event %s (%s) cannot be decoded: %s", claimed.id, claimed.topic, err)
            await self._record_failure_in(session, claimed, f"{type(err).__name__}: {err}")
            return False
        if event is None:
            log.warning("outbox event %s has unknown topic %s; marked processed", claimed.id, claimed.topic)
            return True
        failures = await self.bus.dispatch(event, session, only=payload.get(LISTENER_KEY), tag=claimed)
        if failures and LISTENER_KEY in payload:  # a retry addressed to one listener failed again
            await self._record_failure_in(session, claimed, failures[0].error)
            return False
        now = self.clock()
        for failure in failures:
            await self._queue_retry(session, claimed, payload, failure, now)
        return True

    async def _finish_group(self, session: AsyncSession) -> set[int]:
        """Run the group listeners on what the group collected. For each event a failed one had,
        queue a retry addressed to it, or, if the row was that retry, record the row's failed
        attempt; return the ids of those retry rows (they stay unprocessed)."""
        failed: set[int] = set()
        now = self.clock()
        for failure in await self.bus.finish_group(session):
            for claimed in failure.tags:
                payload: dict[str, Any] = json.loads(claimed.payload)
                if LISTENER_KEY in payload:
                    await self._record_failure_in(session, claimed, failure.error)
                    failed.add(claimed.id)
                else:
                    retry = ListenerFailure(failure.name, failure.error)
                    await self._queue_retry(session, claimed, payload, retry, now)
        return failed

    async def _queue_retry(
        self,
        session: AsyncSession,
        claimed: ClaimedEvent,
        payload: dict[str, Any],
        failure: ListenerFailure,
        now: datetime,
    ) -> None:
        await session.execute(
            insert(OutboxEvent).values(
                topic=claimed.topic,
                payload=encode_payload({**payload, LISTENER_KEY: failure.name}),
                created_at=now,
                available_at=now + self.options.backoff(1),
                attempts=1,
                last_error=f"{failure.name}: {failure.error}"[:4000],
            )
        )

    async def _record_failure_in(self, session: AsyncSession, claimed: ClaimedEvent, error: str) -> None:
        attempts = claimed.attempts + 1
        now = self.clock()
        dead = attempts >= self.options.max_attempts
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == claimed.id, OutboxEvent.processed_at.is_(None))
            .values(
                attempts=attempts,
                available_at=now + self.options.backoff(attempts),
                last_error=error[:4000],
                dead_at=now if dead else None,
            )
        )
        if dead:
            log.error(
                "outbox event %s (%s) dead-lettered after %s attempts", claimed.id, claimed.topic, attempts
            )
