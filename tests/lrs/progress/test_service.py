"""The progress listener inside one outbox group: new statements are folded into the stored facts
(no full recomputation of anyone), set-wise for the whole group, with the same result as one event
per transaction and as a rebuild."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.bus import EventBus
from lrs.events.consumer import ConsumerOptions
from lrs.events.worker import OutboxWorker
from lrs.programme.model import Programme
from lrs.progress.inputs import Enrolled
from lrs.progress.install import progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from tests.conftest import migrated_database
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import COHORT_START, burst, install_cohort, post, snapshot

EMAILS = ["ada@north.gov.uk", "ben@north.gov.uk"]


class CountingProjector(ProgressProjector):
    """Records every learner recomputed in full (from all their statements)."""

    recomputed: list[int]

    async def reproject(
        self,
        session: AsyncSession,
        programme: Programme,
        enrolments: list[Enrolled],
        *,
        publish: bool = True,
        reconcile_all: bool = False,
    ) -> None:
        self.recomputed += [item.learner_id for item in enrolments]
        await super().reproject(session, programme, enrolments, publish=publish, reconcile_all=reconcile_all)


async def project(database: Database, group_seconds: float) -> tuple[list[int], Any]:
    clock = SettableClock(COHORT_START - timedelta(days=1))
    _programme, learners = await install_cohort(database, EMAILS, clock.now)
    projector = CountingProjector(
        progress_options(replace(Settings(), public_url="https://lrs.test")), clock=clock
    )
    projector.recomputed = []
    bus = EventBus()
    projector.subscribe(bus)
    options = ConsumerOptions(group_seconds=group_seconds)
    worker = OutboxWorker(database, bus, clock=clock, options=options)
    await worker.run_until_idle()  # enrolments: recomputed in full, once each
    assert set(projector.recomputed) == set(learners.values())  # programme.saved, learner.enrolled
    projector.recomputed.clear()
    clock.advance(timedelta(days=10))
    await post(database, [*burst(EMAILS[0], 0), *burst(EMAILS[1], 60)], clock)
    await worker.run_until_idle()
    folded, recomputed = await snapshot(database), list(projector.recomputed)
    await rebuild_progress(database, projector)
    assert await snapshot(database) == folded
    return recomputed, folded


@pytest.fixture
async def second_database(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("separate") / "separate.db"
    async with migrated_database(f"sqlite+aiosqlite:///{path}") as opened:
        yield opened


async def test_statements_are_folded_in_not_recomputed(database: Database, second_database: Database) -> None:
    grouped, grouped_result = await project(database, group_seconds=60)
    assert grouped == []  # ten statements, two learners, one group: folded in, nobody recomputed
    one_by_one, separate_result = await project(second_database, group_seconds=0)
    assert one_by_one == []  # a group per event: each statement folded into the last one's facts
    assert grouped_result == separate_result
    rows = {(row[0], row[1], row[2]): row[3] for row in grouped_result[0]}
    assert {status for (_, kind, item), status in rows.items() if (kind, item) == ("module", "quiz")} == {
        "passed"
    }
