"""The claim reads O(batch) whatever the table holds; processed rows are purged on schedule; dead
letters are listed with their reason, replayed, and counted by the pipeline status."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.bus import EventBus
from lrs.events.consumer import ConsumerOptions, due_rows
from lrs.events.dead import dead_letters, replay
from lrs.events.status import pipeline_status
from lrs.events.types import LearnerEnrolled
from lrs.events.worker import OutboxWorker, PurgeSchedule
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.notification_models import Delivery, DeliveryAttempt
from tests.lrs.events.helpers import SettableClock, effect_counts, queue_enrolments, record_effect


async def _claim_plan(database: Database, clock: SettableClock) -> str:
    query = due_rows(clock(), 100).with_for_update(skip_locked=True)
    async with database.write_session() as session:
        compiled = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
        rows = await session.execute(text(prefix + str(compiled)))
        return "\n".join(str(row[-1]) for row in rows)


async def test_claim_reads_the_open_index_without_sorting_processed_rows(database: Database) -> None:
    clock = SettableClock()
    await queue_enrolments(database, 20_000, clock())
    async with database.write_session() as session, session.begin():
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id > 100).values(processed_at=clock())
        )  # 19,900 processed, 100 open; no ANALYZE
    plan = await _claim_plan(database, clock)
    assert "ix_outbox_open" in plan, plan
    assert "TEMP B-TREE" not in plan.upper() and "Sort" not in plan, plan


async def test_processed_rows_are_purged_after_they_have_been_kept(database: Database) -> None:
    clock = SettableClock()
    bus = EventBus()
    bus.subscribe(LearnerEnrolled, record_effect, name="effect")
    purge = PurgeSchedule(keep=timedelta(hours=1), every=timedelta(minutes=1), limit=30)
    worker = OutboxWorker(database, bus, clock=clock, purge=purge)
    await queue_enrolments(database, 50, clock())
    assert await worker.run_until_idle() == 50
    assert await _rows(database) == 50  # kept
    clock.advance(timedelta(hours=2))
    await queue_enrolments(database, 5, clock(), first=100)
    await worker.step()  # processes the 5 new rows, purges 30 of the 50 old ones
    assert await _rows(database) == 25
    await worker.step()  # the schedule has not come round again
    assert await _rows(database) == 25
    clock.advance(timedelta(minutes=1))
    await worker.step()
    assert await _rows(database) == 5  # only the recent ones remain
    assert len(await effect_counts(database)) == 55


async def _rows(database: Database) -> int:
    async with database.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxEvent)) or 0)


async def test_dead_letters_show_their_reason_are_counted_and_replay(database: Database) -> None:
    clock = SettableClock()
    broken = {"yes": True}

    async def fail_for_three(event: LearnerEnrolled, session: AsyncSession) -> None:
        if event.learner_id == 3 and broken["yes"]:
            raise RuntimeError("cannot handle learner 3")
        await record_effect(event, session)

    bus = EventBus()
    bus.subscribe(LearnerEnrolled, fail_for_three, name="fragile")
    options = ConsumerOptions(max_attempts=2, first_backoff=timedelta(seconds=10))
    worker = OutboxWorker(database, bus, clock=clock, options=options)
    await queue_enrolments(database, 5, clock())
    for _ in range(4):
        await worker.run_until_idle()
        clock.advance(timedelta(minutes=10))
    [dead] = await dead_letters(database)
    assert dead.listener == "fragile" and "cannot handle learner 3" in dead.reason and dead.attempts == 2
    status = await pipeline_status(database, clock)
    assert (status.dead_letters, status.pending, status.due) == (1, 0, 0)
    assert await worker.run_until_idle() == 0  # a dead letter is never claimed
    broken["yes"] = False
    assert await replay(database, [dead.id, 999_999], now=clock()) == [dead.id]
    assert (await pipeline_status(database, clock)).due == 1
    assert await worker.run_until_idle() == 1
    assert await dead_letters(database) == []
    assert (await effect_counts(database))[3] == 1


async def test_settled_delivery_attempts_are_purged_and_open_ones_and_deliveries_stay(
    database: Database,
) -> None:
    clock = SettableClock()
    start = clock()
    async with database.write_session() as session, session.begin():
        delivery = Delivery(
            idempotency_key="nudge:c1:7:m1|email",
            channel="email",
            recipient="learner@example.org",
            status="retry",
            attempts=3,
            created_at=start,
            updated_at=start,
        )
        session.add(delivery)
        await session.flush()
        for number in (1, 2):  # two settled attempts, then one a sender died in
            finished = start + timedelta(minutes=number)
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery.id, number=number, started_at=finished, finished_at=finished
                )
            )
        session.add(DeliveryAttempt(delivery_id=delivery.id, number=3, started_at=start, finished_at=None))
    purge = PurgeSchedule(attempts_keep=timedelta(days=30), every=timedelta(minutes=1), limit=1)
    worker = OutboxWorker(database, EventBus(), clock=clock, purge=purge)
    await worker.step()
    assert await _attempt_numbers(database) == [1, 2, 3]  # none is 30 days old yet
    clock.advance(timedelta(days=31))
    await worker.step()
    assert await _attempt_numbers(database) == [2, 3]  # oldest first, `limit` at a time
    clock.advance(timedelta(minutes=1))
    await worker.step()
    assert await _attempt_numbers(database) == [3]  # never the unfinished attempt
    async with database.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 1


async def _attempt_numbers(database: Database) -> list[int]:
    async with database.read_session() as session:
        return list(await session.scalars(select(DeliveryAttempt.number).order_by(DeliveryAttempt.number)))
