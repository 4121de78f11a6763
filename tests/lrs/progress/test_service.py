"""The progress listener inside one outbox group: a learner's burst of statements is projected by one
refresh, with the same result as one refresh per statement."""

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
from lrs.progress.install import progress_options
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from tests.conftest import migrated_database
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import COHORT_START, burst, install_cohort, post, snapshot

EMAILS = ["ada@north.gov.uk", "ben@north.gov.uk"]


class CountingProjector(ProgressProjector):
    refreshes: list[int]

    async def refresh(
        self,
        session: AsyncSession,
        learner_id: int,
        programme: Programme,
        cohort_id: str,
        *,
        publish: bool,
        reconcile_all: bool = False,
    ) -> None:
        self.refreshes.append(learner_id)
        await super().refresh(
            session, learner_id, programme, cohort_id, publish=publish, reconcile_all=reconcile_all
        )


async def project(database: Database, group_seconds: float) -> tuple[list[int], Any]:
    clock = SettableClock(COHORT_START - timedelta(days=1))
    _programme, learners = await install_cohort(database, EMAILS, clock.now)
    projector = CountingProjector(
        progress_options(replace(Settings(), public_url="https://lrs.test")), clock=clock
    )
    projector.refreshes = []
    bus = EventBus()
    projector.subscribe(bus)
    options = ConsumerOptions(group_seconds=group_seconds)
    worker = OutboxWorker(database, bus, clock=clock, options=options)
    await worker.run_until_idle()  # enrolments: one refresh each
    projector.refreshes.clear()
    clock.advance(timedelta(days=10))
    await post(database, [*burst(EMAILS[0], 0), *burst(EMAILS[1], 60)], clock)
    await worker.run_until_idle()
    by_learner = [projector.refreshes.count(learners[email]) for email in EMAILS]
    return by_learner, await snapshot(database)


@pytest.fixture
async def second_database(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("separate") / "separate.db"
    async with migrated_database(f"sqlite+aiosqlite:///{path}") as opened:
        yield opened


async def test_a_burst_is_projected_by_one_refresh_per_learner(
    database: Database, second_database: Database
) -> None:
    grouped, grouped_result = await project(database, group_seconds=60)
    assert grouped == [1, 1]  # ten statements, two learners, one group
    one_by_one, separate_result = await project(second_database, group_seconds=0)
    assert one_by_one == [5, 5]  # a group per event: nothing to share
    assert grouped_result == separate_result
