"""The outbox consumer on SQLite and PostgreSQL: every event once, failures retried then dead-lettered,
a crash mid-batch leaves the rest to be taken again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.bus import EventBus
from lrs.events.consumer import LISTENER_KEY, ConsumerOptions
from lrs.events.types import LearnerEnrolled
from lrs.events.worker import OutboxWorker
from lrs.storage.engine import Database
from lrs.storage.outbox import append_events
from tests.lrs.events.helpers import (
    SettableClock,
    effect_counts,
    queue_enrolments,
    record_effect,
    unprocessed,
)


async def test_every_event_reaches_its_listener_once(database: Database) -> None:
    clock = SettableClock()
    await queue_enrolments(database, 250, clock.now)
    bus = EventBus()
    bus.subscribe(LearnerEnrolled, record_effect, name="effect")
    worker = OutboxWorker(database, bus, clock=clock, options=ConsumerOptions(batch_size=40))
    assert await worker.run_until_idle() >= 250
    assert await effect_counts(database) == {number: 1 for number in range(250)}
    assert await unprocessed(database, LearnerEnrolled.topic) == []
    assert await worker.run_until_idle() == 0  # a second pass finds nothing to do


async def test_failing_listener_is_retried_alone_then_dead_lettered(database: Database) -> None:
    clock = SettableClock()
    await queue_enrolments(database, 5, clock.now)
    calls: list[int] = []

    async def fails_on_three(event: LearnerEnrolled, _session: AsyncSession) -> None:
        calls.append(event.learner_id)
        if event.learner_id == 3:
            raise RuntimeError("cannot handle learner 3")

    bus = EventBus()
    bus.subscribe(LearnerEnrolled, record_effect, name="effect")
    bus.subscribe(LearnerEnrolled, fails_on_three, name="fragile")
    options = ConsumerOptions(max_attempts=3, first_backoff=timedelta(seconds=10))
    worker = OutboxWorker(database, bus, clock=clock, options=options)
    await worker.run_until_idle()
    assert await effect_counts(database) == {number: 1 for number in range(5)}
    [retry] = await unprocessed(database, LearnerEnrolled.topic)
    assert retry.attempts == 1 and "cannot handle learner 3" in (retry.last_error or "")
    assert LISTENER_KEY in retry.payload and retry.available_at == clock.now + timedelta(seconds=10)

    for _ in range(4):  # the retry goes to the fragile listener only, with doubling backoff
        clock.advance(timedelta(minutes=5))
        await worker.run_until_idle()
    assert sorted(calls) == [0, 1, 2, 3, 3, 3, 4]
    [dead] = await unprocessed(database, LearnerEnrolled.topic)
    assert dead.attempts == 3  # dead-lettered: never claimed again
    assert await effect_counts(database) == {number: 1 for number in range(5)}


@pytest.mark.parametrize("group_seconds", [0.0, 60.0], ids=["row-per-group", "one-group"])
async def test_cancelled_worker_leaves_the_rest_of_its_batch(
    database: Database, group_seconds: float
) -> None:
    """Groups that committed stand; the group in flight vanishes whole and is done again later."""
    clock = SettableClock()
    await queue_enrolments(database, 20, clock.now)
    reached_seven = asyncio.Event()

    async def hangs_on_seven(event: LearnerEnrolled, session: AsyncSession) -> None:
        await record_effect(event, session)
        if event.learner_id == 7:
            reached_seven.set()
            await asyncio.Event().wait()  # a worker that stops responding mid-batch

    bus = EventBus()
    bus.subscribe(LearnerEnrolled, hangs_on_seven, name="hangs")
    options = ConsumerOptions(batch_size=20, lease=timedelta(seconds=30), group_seconds=group_seconds)
    crashing = asyncio.create_task(OutboxWorker(database, bus, clock=clock, options=options).run())
    await asyncio.wait_for(reached_seven.wait(), 10)
    crashing.cancel()
    await asyncio.gather(crashing, return_exceptions=True)
    committed = range(7) if group_seconds == 0 else range(0)
    assert await effect_counts(database) == {number: 1 for number in committed}

    healthy = EventBus()
    healthy.subscribe(LearnerEnrolled, record_effect, name="effect")
    worker = OutboxWorker(database, healthy, clock=clock, options=options)
    assert await worker.run_until_idle() == 0  # the lease still holds
    clock.advance(timedelta(seconds=31))
    await worker.run_until_idle()
    assert await effect_counts(database) == {number: 1 for number in range(20)}


async def test_exception_escaping_a_listener_transaction_counts_an_attempt(database: Database) -> None:
    clock = SettableClock()
    await queue_enrolments(database, 3, clock.now)

    async def breaks_the_transaction(event: LearnerEnrolled, session: AsyncSession) -> None:
        await record_effect(event, session)
        if event.learner_id == 1:
            await session.rollback()  # leaves the worker's transaction unusable

    bus = EventBus()
    bus.subscribe(LearnerEnrolled, breaks_the_transaction, name="breaks")
    worker = OutboxWorker(database, bus, clock=clock, options=ConsumerOptions(max_attempts=2))
    await worker.run_until_idle()
    [failed] = await unprocessed(database, LearnerEnrolled.topic)
    assert failed.attempts == 1 and failed.last_error
    counts = await effect_counts(database)
    assert counts[0] == 1 and counts[2] == 1 and counts[1] == 0


async def test_a_row_that_cannot_be_decoded_fails_alone_inside_its_group(database: Database) -> None:
    clock = SettableClock()
    await queue_enrolments(database, 5, clock.now)
    async with database.write_session() as session, session.begin():
        bad = LearnerEnrolled("prog", "c1", 99).to_payload() | {"learner_id": None}
        await append_events(session, [(LearnerEnrolled.topic, bad)], now=clock.now)
    await queue_enrolments(database, 5, clock.now, first=5)
    bus = EventBus()
    bus.subscribe(LearnerEnrolled, record_effect, name="effect")
    options = ConsumerOptions(group_seconds=60)  # all eleven rows in one group
    assert await OutboxWorker(database, bus, clock=clock, options=options).run_until_idle() == 11
    assert await effect_counts(database) == {number: 1 for number in range(10)}
    [failed] = await unprocessed(database, LearnerEnrolled.topic)
    assert failed.attempts == 1 and "learner_id must not be null" in (failed.last_error or "")
