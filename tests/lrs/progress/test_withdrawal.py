"""A learner withdrawn from a cohort (roster status column) loses their projection at once, is not
chased for inactivity, stays out after a rebuild, and is projected again when enrolled again."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from lrs.events.bus import EventBus
from lrs.events.worker import OutboxWorker
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.progress import verbs
from lrs.progress.install import progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.progress_models import ConfidenceResult, ProgressRecord
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import BASE, COHORT_START, install_cohort, post, statement

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"


async def set_status(database: Database, email: str, status: str, clock: SettableClock) -> None:
    row = RosterRow(2, "Learner 0", email, "", "north-council", "Head of Digital", "lead-1", status=status)
    async with database.write_session() as session, session.begin():
        report = await import_roster(session, [row], now=clock.now)
    assert report.written and report.rows[0].changes == ("status",)


async def owners(database: Database) -> dict[str, set[int]]:
    async with database.read_session() as session:
        progress = set(await session.scalars(select(ProgressRecord.learner_id)))
        confidence = set(await session.scalars(select(ConfidenceResult.learner_id)))
    return {"progress": progress, "confidence": confidence}


async def inactive_learners(database: Database) -> list[int]:
    async with database.read_session() as session:
        payloads = await session.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.topic == "learner.inactive")
        )
        return [json.loads(payload)["learner_id"] for payload in payloads]


async def test_withdrawal_drops_the_projection_until_the_learner_is_back(database: Database) -> None:
    clock = SettableClock(COHORT_START - timedelta(days=1))
    _programme, learners = await install_cohort(database, [ADA, BEN], clock.now)
    projector = ProgressProjector(
        progress_options(replace(Settings(), public_url="https://lrs.test")), clock=clock
    )
    bus = EventBus()
    projector.subscribe(bus)
    worker = OutboxWorker(database, bus, clock=clock)
    clock.advance(timedelta(days=3))
    answer = {"score": {"raw": 2, "min": 1, "max": 5}}
    await post(
        database,
        [
            statement(ADA, verbs.COMPLETED, f"{BASE}/intro", clock.now),
            statement(
                ADA,
                "http://adlnet.gov/expapi/verbs/answered",
                f"{BASE}/confidence/pre",
                clock.now,
                result=answer,
            ),
            statement(BEN, verbs.COMPLETED, f"{BASE}/intro", clock.now),
        ],
        clock,
    )
    await worker.run_until_idle()
    ada, ben = learners[ADA], learners[BEN]
    assert await owners(database) == {"progress": {ada, ben}, "confidence": {ada}}

    await set_status(database, ADA, "withdrawn", clock)
    await worker.run_until_idle()
    assert await owners(database) == {"progress": {ben}, "confidence": set()}
    clock.advance(timedelta(days=20))  # both inactive since day 3: only Ben is chased
    await worker.run_until_idle()
    assert await inactive_learners(database) == [ben]
    live = await owners(database)
    await rebuild_progress(database, projector)
    assert await owners(database) == live

    await set_status(database, ADA, "", clock)  # back on the roster
    await worker.run_until_idle()
    assert await owners(database) == {"progress": {ada, ben}, "confidence": {ada}}
