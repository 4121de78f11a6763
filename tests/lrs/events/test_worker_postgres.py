"""Several workers on one PostgreSQL database, as several `lrs worker` processes would run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import utc_now
from lrs.events.bus import EventBus
from lrs.events.consumer import ConsumerOptions
from lrs.events.types import LearnerEnrolled
from lrs.events.worker import OutboxWorker
from lrs.storage.engine import open_database
from lrs.storage.outbox import append_events
from lrs.storage.schema import migrate
from tests.databases import fresh_postgres_database
from tests.lrs.events.helpers import effect_counts, queue_enrolments, record_effect, unprocessed

pytestmark = pytest.mark.postgres


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with fresh_postgres_database() as url:
        database = open_database(url)
        await migrate(database)
        await database.dispose()
        yield url


async def test_three_workers_process_two_thousand_events_exactly_once(postgres_url: str) -> None:
    async with AsyncExitStack() as stack:
        databases = [open_database(postgres_url, pool_size=3) for _ in range(3)]
        for database in databases:
            stack.push_async_callback(database.dispose)
        await queue_enrolments(databases[0], 2000, utc_now())
        handled_by: list[int] = [0, 0, 0]

        def counting(index: int) -> EventBus:
            async def listener(event: LearnerEnrolled, session: AsyncSession) -> None:
                handled_by[index] += 1
                await record_effect(event, session)

            bus = EventBus()
            bus.subscribe(LearnerEnrolled, listener, name="effect")
            return bus

        workers = [
            OutboxWorker(database, counting(index), clock=utc_now, options=ConsumerOptions(batch_size=50))
            for index, database in enumerate(databases)
        ]
        await asyncio.wait_for(asyncio.gather(*(worker.run_until_idle() for worker in workers)), 90)
        assert await effect_counts(databases[0]) == {number: 1 for number in range(2000)}
        assert await unprocessed(databases[0], LearnerEnrolled.topic) == []
        assert sum(handled_by) == 2000 and all(handled_by)  # every worker took a share


async def test_notify_wakes_a_listening_worker_long_before_its_poll(postgres_url: str) -> None:
    database = open_database(postgres_url)
    received = asyncio.Event()

    async def listener(_event: LearnerEnrolled, _session: AsyncSession) -> None:
        received.set()

    bus = EventBus()
    bus.subscribe(LearnerEnrolled, listener, name="wake")
    task = asyncio.create_task(OutboxWorker(database, bus, clock=utc_now, poll_seconds=60).run())
    try:
        await asyncio.sleep(0.5)  # the worker has polled once and is now waiting
        async with database.write_session() as session, session.begin():
            event = LearnerEnrolled("prog", "c1", 1)
            await append_events(session, [(event.topic, event.to_payload())], now=datetime.now(UTC))
        await asyncio.wait_for(received.wait(), 5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await database.dispose()


async def test_a_group_whose_connection_dies_is_done_again_row_by_row(postgres_url: str) -> None:
    """The connection is lost in the middle of a group: nothing of that group stands, so every row in
    it is handled again in a transaction of its own; each effect lands once."""
    database = open_database(postgres_url)
    try:
        await queue_enrolments(database, 30, utc_now())
        killed: list[int] = []

        async def loses_the_connection_once(event: LearnerEnrolled, session: AsyncSession) -> None:
            await record_effect(event, session)
            if event.learner_id == 12 and not killed:
                killed.append(event.learner_id)
                await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

        bus = EventBus()
        bus.subscribe(LearnerEnrolled, loses_the_connection_once, name="effect")
        options = ConsumerOptions(batch_size=30, group_seconds=60)
        handled = await OutboxWorker(database, bus, clock=utc_now, options=options).run_until_idle()
        assert killed == [12] and handled == 30
        assert await effect_counts(database) == {number: 1 for number in range(30)}
        assert await unprocessed(database, LearnerEnrolled.topic) == []
    finally:
        await database.dispose()
