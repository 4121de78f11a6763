"""Durable timers: session ends and inactivity, fired once, from the database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from lrs.events.bus import EventBus
from lrs.events.worker import OutboxWorker
from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.progress.install import progress_options
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.progress_models import Timer
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import BASE, COHORT_START, install_cohort, lead_definition, post, statement


async def published(database: Database, topic: str) -> list[dict[str, object]]:
    async with database.read_session() as session:
        rows = await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic))
        return [json.loads(payload) for payload in rows]


async def test_inactivity_fires_once_per_quiet_spell(database: Database) -> None:
    clock = SettableClock(COHORT_START)
    _programme, learners = await install_cohort(database, ["ada@north.gov.uk"], clock.now)
    settings = replace(Settings(), notifications={"inactive_after_days": 10})
    bus = EventBus()
    ProgressProjector(progress_options(settings), clock=clock).subscribe(bus)
    worker = OutboxWorker(database, bus, clock=clock)
    await worker.run_until_idle()

    clock.advance(timedelta(days=9, hours=23))  # not yet ten days after the cohort start
    await worker.run_until_idle()
    assert await published(database, "learner.inactive") == []
    clock.advance(timedelta(hours=1))
    await worker.run_until_idle()
    [first] = await published(database, "learner.inactive")
    assert first["learner_id"] == learners["ada@north.gov.uk"] and first["inactive_days"] == 10

    active_at = clock.now
    await post(database, [statement("ada@north.gov.uk", verbs.COMPLETED, f"{BASE}/intro", active_at)], clock)
    await worker.run_until_idle()
    clock.advance(timedelta(days=5))
    await worker.run_until_idle()
    assert len(await published(database, "learner.inactive")) == 1  # the new activity re-armed the timer
    clock.advance(timedelta(days=6))
    await worker.run_until_idle()
    second = (await published(database, "learner.inactive"))[1]
    assert second["last_activity_at"] == active_at.isoformat()
    clock.advance(timedelta(days=30))
    await worker.run_until_idle()
    assert len(await published(database, "learner.inactive")) == 2


async def test_session_end_timers_are_rows_and_fire_once(database: Database) -> None:
    clock = SettableClock(COHORT_START)
    programme, _learners = await install_cohort(database, ["ada@north.gov.uk", "ben@north.gov.uk"], clock.now)
    bus = EventBus()
    ProgressProjector(progress_options(Settings()), clock=clock).subscribe(bus)
    worker = OutboxWorker(database, bus, clock=clock)
    await worker.run_until_idle()
    async with database.read_session() as session:
        keys = set(await session.scalars(select(Timer.key).where(Timer.key.startswith("session-end:"))))
    assert keys == {f"session-end:lead:{item.id}" for item in programme.sessions}

    clock.now = programme.session("s1").end + timedelta(minutes=1)
    await worker.run_until_idle()
    await worker.run_until_idle()
    missed = await published(database, "session.missed")
    assert sorted((item["session_id"], item["marked_absent"]) for item in missed) == [("s1", False)] * 2


async def test_moving_a_session_earlier_re_arms_its_timer(database: Database) -> None:
    clock = SettableClock(COHORT_START)
    programme, _learners = await install_cohort(database, ["ada@north.gov.uk"], clock.now)
    bus = EventBus()
    ProgressProjector(progress_options(Settings()), clock=clock).subscribe(bus)
    worker = OutboxWorker(database, bus, clock=clock)
    await worker.run_until_idle()
    definition = lead_definition()
    definition["sessions"][0]["start"] = "2026-02-03T10:00:00"  # a week earlier than planned
    definition["sessions"][0]["end"] = "2026-02-03T12:00:00"
    moved = parse_programme(definition)
    async with database.write_session() as session, session.begin():
        result = await save_programme(session, moved, source="api", now=clock.now)
    assert result.changed
    await worker.run_until_idle()
    async with database.read_session() as session:
        due = await session.scalar(select(Timer.due_at).where(Timer.key == "session-end:lead:s1"))
    assert due == moved.session("s1").end < programme.session("s1").end
    clock.now = moved.session("s1").end + timedelta(minutes=1)
    await worker.run_until_idle()
    await worker.run_until_idle()
    assert [item["session_id"] for item in await published(database, "session.missed")] == ["s1"]


async def test_inactivity_counts_from_the_enrolment_when_it_is_later(database: Database) -> None:
    """Enrolled seven weeks into the cohort: not inactive on the day, and chased from the enrolment."""
    enrolled_at = COHORT_START + timedelta(weeks=7, hours=9)
    clock = SettableClock(enrolled_at)
    _programme, learners = await install_cohort(database, ["dee@north.gov.uk"], clock.now)
    settings = replace(Settings(), notifications={"inactive_after_days": 10})
    bus = EventBus()
    ProgressProjector(progress_options(settings), clock=clock).subscribe(bus)
    worker = OutboxWorker(database, bus, clock=clock)
    await worker.run_until_idle()
    clock.advance(timedelta(minutes=5))
    await worker.run_until_idle()
    assert await published(database, "learner.inactive") == []
    clock.now = enrolled_at + timedelta(days=10) - timedelta(minutes=1)
    await worker.run_until_idle()
    assert await published(database, "learner.inactive") == []
    clock.advance(timedelta(minutes=1))
    await worker.run_until_idle()
    [inactive] = await published(database, "learner.inactive")
    assert inactive["learner_id"] == learners["dee@north.gov.uk"]
    assert inactive["last_activity_at"] == enrolled_at.isoformat()  # the moment it counts from
