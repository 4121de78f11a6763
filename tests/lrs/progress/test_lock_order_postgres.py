"""The inactivity and statement listeners, run at once by two PostgreSQL transactions over the same
two learners in opposite orders (as two workers' outbox groups do): no deadlock, and the right result.

Each transaction handles a statement of one learner, then the other learner's inactivity timer. Before
the lock order, each held one learner lock and waited for the other's: DeadlockDetectedError. Now a
transaction waits only for a learner that sorts after every learner it holds; an earlier one is tried
with NOWAIT and, if busy, that listener is rolled back and retried later (LearnerBusy)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lrs.events.bus import EventBus, ListenerFailure
from lrs.events.consumer import ConsumerOptions
from lrs.events.types import Event, InactivityDue, StatementStored, decode_event
from lrs.events.worker import OutboxWorker
from lrs.progress import verbs
from lrs.progress.rebuild import rebuild_progress
from lrs.storage.engine import Database, open_database
from lrs.storage.models import OutboxEvent
from tests.conftest import migrated_database
from tests.databases import fresh_postgres_database
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import (
    BASE,
    COHORT_START,
    burst,
    install_cohort,
    post,
    projector_and_worker,
    snapshot,
    statement,
)

pytestmark = pytest.mark.postgres
GUS, HAL = "gus@north.gov.uk", "hal@north.gov.uk"


async def stored_events(database: Database) -> dict[str, StatementStored]:
    """The waiting statement.stored events, by statement id."""
    async with database.read_session() as session:
        rows = await session.scalars(
            select(OutboxEvent.payload).where(
                OutboxEvent.topic == "statement.stored", OutboxEvent.processed_at.is_(None)
            )
        )
        events = [decode_event("statement.stored", json.loads(payload)) for payload in rows]
    return {event.statement_id: event for event in events if isinstance(event, StatementStored)}


async def run_group(
    database: Database, bus: EventBus, first: Event, second: Event, meet: asyncio.Barrier
) -> list[tuple[ListenerFailure, Event]]:
    """One worker's group: two events in one transaction, meeting the other group in between, then
    the group listeners (the statements, projected set-wise) as the consumer runs them at the end."""
    async with database.write_session() as session, session.begin():
        failures = [(failure, first) for failure in await bus.dispatch(first, session, tag=first)]
        await meet.wait()
        failures += [(failure, second) for failure in await bus.dispatch(second, session, tag=second)]
        for group in await bus.finish_group(session):
            failures += [(ListenerFailure(group.name, group.error), tag) for tag in group.tags]
    return failures


async def test_opposite_orders_neither_deadlock_nor_lose_work() -> None:
    async with fresh_postgres_database() as url, migrated_database(url) as database:
        clock = SettableClock(COHORT_START)
        _programme, learners = await install_cohort(database, [GUS, HAL], clock.now)
        projector, worker = projector_and_worker(database, clock, inactive_after_days=14)
        await worker.run_until_idle()
        gus, hal = learners[GUS], learners[HAL]
        assert gus < hal
        # Pre-work dated before the cohort start: activity, yet inactivity still counts from the start.
        before = COHORT_START - timedelta(days=2)
        work = {email: statement(email, verbs.COMPLETED, f"{BASE}/intro", before) for email in (GUS, HAL)}
        await post(database, list(work.values()), clock)
        stored = await stored_events(database)
        gus_stored, hal_stored = stored[work[GUS]["id"]], stored[work[HAL]["id"]]
        clock.now = COHORT_START + timedelta(days=15)
        due = {learner: InactivityDue("lead", "lead-1", learner, COHORT_START) for learner in (gus, hal)}

        bus = EventBus()
        projector.subscribe(bus)
        meet = asyncio.Barrier(2)
        results = await asyncio.wait_for(
            asyncio.gather(
                run_group(database, bus, hal_stored, due[gus], meet),  # holds hal, then wants gus
                run_group(database, bus, gus_stored, due[hal], meet),  # holds gus, then wants hal
            ),
            60,
        )
        failures = [failure for found in results for failure in found]
        assert not any("Deadlock" in failure.error for failure, _ in failures), failures
        assert all(failure.error.startswith("LearnerBusy") for failure, _ in failures), failures
        for failure, event in failures:  # the retry the consumer would queue
            async with database.write_session() as session, session.begin():
                assert await bus.dispatch(event, session, only=failure.name) == []
                assert await bus.finish_group(session) == []

        async with database.read_session() as session:
            inactive = [
                json.loads(payload)["learner_id"]
                for payload in await session.scalars(
                    select(OutboxEvent.payload).where(OutboxEvent.topic == "learner.inactive")
                )
            ]
        assert sorted(inactive) == [gus, hal]
        live = await snapshot(database)
        intro = {row[0]: row[3] for row in live[0] if row[1:3] == ("module", "intro")}
        assert intro == {gus: "completed", hal: "completed"}
        await rebuild_progress(database, projector)
        assert await snapshot(database) == live


async def test_two_workers_fire_inactivity_while_projecting_statements(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two real workers, small claims in long groups: inactivity timers come due for every learner
    while their statements are being projected. No deadlock is logged, each learner is reported
    inactive once, and the projection equals a rebuild."""
    async with fresh_postgres_database() as url, migrated_database(url) as database:
        clock = SettableClock(COHORT_START)
        emails = [f"worker{number:02d}@north.gov.uk" for number in range(16)]
        await install_cohort(database, emails, clock.now)
        projector, worker = projector_and_worker(database, clock, inactive_after_days=14)
        await worker.run_until_idle()
        clock.now = COHORT_START + timedelta(days=14, hours=1)  # every enrolment's timer is due
        statements = [burst(email, 3 * number) for number, email in enumerate(emails)]
        for start in range(0, len(statements), 2):
            await post(database, [item for group in statements[start : start + 2] for item in group], clock)
        opened = [open_database(url, pool_size=2) for _ in range(2)]
        try:
            workers = []
            for item in opened:
                bus = EventBus()
                projector.subscribe(bus)
                options = ConsumerOptions(batch_size=6, group_seconds=60)
                workers.append(OutboxWorker(item, bus, clock=clock, options=options))
            for _ in range(8):  # deferred listeners come due as the clock moves on
                await asyncio.wait_for(asyncio.gather(*(w.run_until_idle() for w in workers)), 60)
                clock.advance(timedelta(minutes=10))
        finally:
            for item in opened:
                await item.dispose()
        assert "Deadlock" not in caplog.text
        async with database.read_session() as session:
            inactive = Counter(
                json.loads(payload)["learner_id"]
                for payload in await session.scalars(
                    select(OutboxEvent.payload).where(OutboxEvent.topic == "learner.inactive")
                )
            )
            left = await session.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
            )
        assert left == 0
        # Each learner's timer fired once from the enrolment (due before their burst was projected,
        # or re-armed from the burst, then due again an hour after the jump: not yet), never twice.
        assert set(inactive.values()) <= {1} and len(inactive) <= len(emails)
        live = await snapshot(database)
        assert {row[3] for row in live[0] if row[1:3] == ("module", "quiz")} == {"passed"}
        await rebuild_progress(database, projector)
        assert await snapshot(database) == live
