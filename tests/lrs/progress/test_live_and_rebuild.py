"""The live path (statements -> outbox -> worker -> projection) against `rebuild`, on SQLite and
PostgreSQL, with statements shuffled, sent in several batches and partly voided."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from lrs.events.bus import EventBus
from lrs.events.worker import OutboxWorker
from lrs.progress import verbs
from lrs.progress.confidence import cohort_confidence
from lrs.progress.install import progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent, Statement
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import COHORT_START, EMAILS, install_cohort, post, snapshot, story, topics


async def without_actor_persons(database: Database) -> None:
    """Make the waiting `statement.stored` events look like an earlier release's (no `actor_person`)."""
    async with database.write_session() as session, session.begin():
        rows = await session.execute(
            select(OutboxEvent.id, OutboxEvent.payload).where(
                OutboxEvent.topic == "statement.stored", OutboxEvent.processed_at.is_(None)
            )
        )
        for row_id, payload in rows.all():
            data = json.loads(payload)
            assert data.pop("actor_person") is not None
            await session.execute(
                update(OutboxEvent).where(OutboxEvent.id == row_id).values(payload=json.dumps(data))
            )


@pytest.mark.parametrize("earlier_events", [False, True], ids=["actor-in-event", "events-without-actor"])
async def test_live_path_equals_rebuild(database: Database, earlier_events: bool) -> None:
    """With `earlier_events` the listener must find each actor from the stored statement instead."""
    clock = SettableClock(COHORT_START - timedelta(days=1))
    _programme, learners = await install_cohort(database, EMAILS, clock.now)
    settings = replace(Settings(), public_url="https://lrs.test")
    projector = ProgressProjector(progress_options(settings), clock=clock)
    bus = EventBus()
    projector.subscribe(bus)
    worker = OutboxWorker(database, bus, clock=clock)
    statements, voids = story()

    async def post_as_configured(batch: list[dict[str, Any]]) -> None:
        await post(database, batch, clock)
        if earlier_events:
            await without_actor_persons(database)

    await worker.run_until_idle()
    clock.advance(timedelta(days=10))
    await post_as_configured([*voids, *statements[:5]])  # the voiding may come first
    await worker.run_until_idle()
    await post_as_configured(statements[5:])
    await post(database, statements[:3], clock)  # a replay: identical re-post
    await worker.run_until_idle()
    before_timers = {(row[0], row[1], row[2]): row[3] for row in (await snapshot(database))[0]}
    ada_id = learners[EMAILS[0]]
    assert before_timers[(ada_id, "module", "quiz")] == "passed"  # the statements' own work, no timer's
    clock.advance(timedelta(days=80))  # every session is over: timers fire
    await worker.run_until_idle()

    live = await snapshot(database)
    ada, ben, cy = (learners[email] for email in EMAILS)
    by_item = {(row[0], row[1], row[2]): row for row in live[0]}
    assert by_item[(ada, "programme", "lead")][3] == "completed"
    assert by_item[(ada, "module", "quiz")][3:4] == ("passed",) and by_item[(ada, "module", "quiz")][8] == 0.9
    assert by_item[(ada, "module", "intro")][9] == 21 * 60 * 1000
    assert by_item[(ben, "module", "quiz")][3] == "failed"
    assert by_item[(ben, "session", "s1")][3] == "absent"
    assert by_item[(cy, "module", "intro")][3] == "in_progress"
    assert by_item[(cy, "session", "s2")][3] == "absent"
    assert live[1] == [(ada, "post", 4.0, 0.75), (ada, "pre", 2.0, 0.25)]

    events = await topics(database)
    assert events[("programme.completed", ada, None)] == 1
    assert events[("module.satisfied", ada, "quiz")] == 1
    assert events[("block.satisfied", ada, "core")] == 1
    assert events[("session.missed", ben, "s1")] == 1 and events[("session.attended", ben, "s2")] == 1
    assert events[("session.missed", cy, "s1")] == 1
    assert events[("module.satisfied", cy, "intro")] == 0
    assert all(
        count == 1
        for (topic, _, _), count in events.items()
        if "." in topic and topic.split(".")[0] in ("module", "block", "session", "programme")
    )

    async with database.read_session() as session:
        satisfied = list(
            await session.scalars(select(Statement.statement_id).where(Statement.verb_iri == verbs.SATISFIED))
        )
    assert len(satisfied) == len(set(satisfied)) == 4  # ada: intro, quiz, core, programme

    report = await rebuild_progress(database, projector)
    assert report.learners == 3
    assert await snapshot(database) == live
    async with database.read_session() as session:
        again = list(
            await session.scalars(select(Statement.statement_id).where(Statement.verb_iri == verbs.SATISFIED))
        )
        cohort = await cohort_confidence(session, "lead-1")
    assert sorted(again) == sorted(satisfied)
    assert [(item.learner_id, item.pre_raw, item.post_raw) for item in cohort.learners] == [(ada, 2.0, 4.0)]
