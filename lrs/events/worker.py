"""The worker loop: fire due timers, consume the outbox, sleep until woken or the poll interval ends.

On PostgreSQL the worker LISTENs on `lrs_outbox` (the writing transaction sends NOTIFY at commit) so
it wakes at once; polling every `poll_seconds` is the fallback and the only mechanism on SQLite, where
the in-process worker shares the server's single writer. Every `PurgeSchedule.every` a step also
deletes a bounded number of rows processed longer ago than `outbox_keep_processed_hours`.
Several `lrs worker` processes may run against one PostgreSQL database: claims use SKIP LOCKED and
never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from lrs.clock import Clock
from lrs.events.bus import EventBus
from lrs.events.consumer import ConsumerOptions, OutboxConsumer
from lrs.events.timers import fire_due_timers
from lrs.storage.attempts_purge import purge_settled_attempts
from lrs.storage.engine import Database
from lrs.storage.outbox import NOTIFY_CHANNEL, purge_processed

log = logging.getLogger(__name__)


class Wakeup:
    """Set by NOTIFY (PostgreSQL) or by `poke`; `wait` returns early when set."""

    def __init__(self) -> None:
        self._flag = asyncio.Event()

    def poke(self, *_args: Any) -> None:
        self._flag.set()

    async def wait(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._flag.wait(), seconds)
        except TimeoutError:
            return False
        finally:
            self._flag.clear()
        return True


@dataclass(frozen=True)
class PurgeSchedule:
    """Processed outbox rows are kept `keep`, then deleted, `limit` at a time every `every`.
    `keep=None` (a bare OutboxWorker's default) never deletes; `lrs.progress.install.event_worker`
    passes the settings `outbox_keep_processed_hours` and `delivery_attempts_keep_days`."""

    keep: timedelta | None = None
    every: timedelta = timedelta(seconds=30)
    limit: int = 5000
    attempts_keep: timedelta | None = None  # settled delivery attempts, `delivery_attempts_keep_days`


class OutboxWorker:
    def __init__(
        self,
        database: Database,
        bus: EventBus,
        *,
        clock: Clock,
        poll_seconds: float = 1.0,
        options: ConsumerOptions | None = None,
        purge: PurgeSchedule | None = None,
        extra_steps: Sequence[Callable[[], Awaitable[int]]] = (),
    ) -> None:
        self.database = database
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.consumer = OutboxConsumer(database, bus, clock=clock, options=options)
        self.wakeup = Wakeup()
        self.purge = purge or PurgeSchedule()
        self._next_purge: datetime | None = None
        self.extra_steps = tuple(extra_steps)  # e.g. the notifications sender, after each batch

    async def step(self) -> int:
        """Fire due timers and process one batch; return the number of rows handled."""
        fired = await fire_due_timers(self.database, self.clock)
        handled = fired + await self.consumer.run_once()
        for extra_step in self.extra_steps:
            handled += await extra_step()
        await self.purge_if_due()
        return handled

    async def purge_if_due(self) -> int:
        """At most once per `purge.every`, delete up to `purge.limit` rows processed more than
        `purge.keep` ago and as many delivery attempts settled more than `purge.attempts_keep` ago,
        in a transaction of its own; return how many went."""
        now = self.clock()
        keep, attempts_keep = self.purge.keep, self.purge.attempts_keep
        if (keep is None and attempts_keep is None) or (
            self._next_purge is not None and now < self._next_purge
        ):
            return 0
        self._next_purge = now + self.purge.every
        purged = 0
        async with self.database.write_session() as session, session.begin():
            if keep is not None:
                purged += await purge_processed(session, now - keep, limit=self.purge.limit)
            if attempts_keep is not None:
                purged += await purge_settled_attempts(session, now - attempts_keep, limit=self.purge.limit)
        return purged

    async def run_until_idle(self) -> int:
        """Work until nothing is due (tests, `lrs worker --once`); return the rows handled."""
        total = 0
        while handled := await self.step():
            total += handled
        return total

    async def run(self) -> None:
        """Run until cancelled."""
        async with self._notifications():
            while True:
                try:
                    handled = await self.step()
                except Exception:  # database restarting, network blip: log and try again later
                    log.exception("outbox worker step failed")
                    handled = 0
                if handled < self.consumer.options.batch_size:
                    await self.wakeup.wait(self.poll_seconds)

    @contextlib.asynccontextmanager
    async def _notifications(self) -> AsyncIterator[None]:
        if self.database.is_sqlite:
            yield
            return
        connection = await _listen(self.database, self.wakeup)
        try:
            yield
        finally:
            if connection is not None:
                await connection.close()


async def _listen(database: Database, wakeup: Wakeup) -> asyncpg.Connection | None:
    url = make_url(database.url).set(drivername="postgresql")
    try:
        connection = await asyncpg.connect(url.render_as_string(hide_password=False))
        await connection.add_listener(NOTIFY_CHANNEL, wakeup.poke)
    except (OSError, asyncpg.PostgresError):
        log.warning("LISTEN %s unavailable; falling back to polling", NOTIFY_CHANNEL, exc_info=True)
        return None
    return connection
