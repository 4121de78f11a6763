"""Two real `lrs worker` processes drain one PostgreSQL outbox of many learners' statements at once:
no deadlock is logged, nothing is left pending, and the projection equals a rebuild."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from lrs.clock import utc_now
from lrs.progress.install import progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from tests.conftest import migrated_database
from tests.databases import fresh_postgres_database
from tests.lrs.progress.cohort import burst, install_cohort, post, snapshot

pytestmark = pytest.mark.postgres
EMAILS = [f"proc{number:02d}@north.gov.uk" for number in range(24)]


async def pending(database: Database) -> int:
    async with database.read_session() as session:
        found = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
        )
    return int(found or 0)


async def test_two_worker_processes_drain_without_deadlock() -> None:
    async with fresh_postgres_database() as url, migrated_database(url) as database:
        await install_cohort(database, EMAILS, utc_now())
        statements = [item for number, email in enumerate(EMAILS) for item in burst(email, 7 * number)]
        statements.sort(key=lambda item: item["id"])  # learners interleaved across batches
        for start in range(0, len(statements), 4):
            await post(database, statements[start : start + 4], utc_now)
        env = {
            **os.environ,
            "LRS_DATABASE_URL": url,
            "LRS_PUBLIC_URL": "https://lrs.test",
            "LRS_WORKER_POLL_SECONDS": "0.2",
            "LRS_LOG_LEVEL": "INFO",
        }
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "lrs", "worker", env=env, stderr=asyncio.subprocess.PIPE
            )
            for _ in range(2)
        ]
        try:
            for _ in range(600):
                if await pending(database) == 0:
                    break
                await asyncio.sleep(0.2)
        finally:
            for worker in workers:
                worker.terminate()
            logs = [(await worker.communicate())[1].decode() for worker in workers]
        assert await pending(database) == 0
        assert not any("Deadlock" in log for log in logs), logs
        live = await snapshot(database)
        assert {row[3] for row in live[0] if row[1:3] == ("module", "quiz")} == {"passed"}
        projector = ProgressProjector(
            progress_options(replace(Settings(), public_url="https://lrs.test")), clock=utc_now
        )
        await rebuild_progress(database, projector)
        assert await snapshot(database) == live
