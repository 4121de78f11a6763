"""Three workers project one cohort on PostgreSQL at once, each handling its claims in groups: the
learner locks keep every learner's transitions computed once, and the result equals a rebuild."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lrs.events.bus import EventBus
from lrs.events.consumer import ConsumerOptions
from lrs.events.worker import OutboxWorker
from lrs.progress.install import progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import open_database
from lrs.storage.models import OutboxEvent
from tests.conftest import migrated_database
from tests.databases import fresh_postgres_database
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import (
    COHORT_START,
    EMAILS,
    burst,
    install_cohort,
    post,
    snapshot,
    story,
    topics,
)

pytestmark = pytest.mark.postgres
MORE = ["dee@north.gov.uk", "eve@north.gov.uk", "fay@north.gov.uk"]


async def test_three_grouping_workers_project_as_a_rebuild_does() -> None:
    async with fresh_postgres_database() as url, migrated_database(url) as database:
        clock = SettableClock(COHORT_START - timedelta(days=1))
        await install_cohort(database, [*EMAILS, *MORE], clock.now)
        projector = ProgressProjector(
            progress_options(replace(Settings(), public_url="https://lrs.test")), clock=clock
        )
        statements, voids = story()
        for index, email in enumerate(MORE):
            statements += burst(email, 100 * index)
        random.Random(3).shuffle(statements)
        clock.advance(timedelta(days=10))
        for start in range(0, len(statements), 3):  # many small batches: many outbox rows
            await post(database, statements[start : start + 3], clock)
        await post(database, voids, clock)

        databases = [open_database(url, pool_size=2) for _ in range(3)]
        try:
            workers = []
            for opened in databases:
                bus = EventBus()
                projector.subscribe(bus)
                options = ConsumerOptions(batch_size=4, group_seconds=60)
                workers.append(OutboxWorker(opened, bus, clock=clock, options=options))
            for _ in range(10):  # retries (after a lost lock race) come due as the clock moves on
                await asyncio.wait_for(asyncio.gather(*(w.run_until_idle() for w in workers)), 60)
                clock.advance(timedelta(minutes=10))
        finally:
            for opened in databases:
                await opened.dispose()

        async with database.read_session() as session:
            left = await session.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
            )
        assert left == 0
        live, events = await snapshot(database), await topics(database)
        transitions = Counter(
            {key: count for key, count in events.items() if key[0].split(".")[0] in ("module", "block")}
        )
        assert transitions and all(count == 1 for count in transitions.values()), transitions
        await rebuild_progress(database, projector)
        assert await snapshot(database) == live
