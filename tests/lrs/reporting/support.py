"""A reporting test cohort: the progress test programme on a running server, a worker to project."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from lrs.events.bus import EventBus
from lrs.events.worker import OutboxWorker
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.progress.install import progress_options
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import COHORT_START, install_cohort, post
from tests.lrs_server import RunningLrs

PATH = "/api/v1/completions"


@dataclass
class Projecting:
    database: Database
    clock: SettableClock
    worker: OutboxWorker
    learners: dict[str, int]

    async def post(self, statements: list[dict[str, Any]]) -> None:
        await post(self.database, statements, self.clock)
        await self.worker.run_until_idle()

    async def set_status(self, email: str, status: str) -> None:
        row = RosterRow(
            2, "Learner 0", email, "", "north-council", "Head of Digital", "lead-1", status=status
        )
        async with self.database.write_session() as session, session.begin():
            await import_roster(session, [row], now=self.clock.now)
        await self.worker.run_until_idle()


async def projecting(database: Database, emails: list[str]) -> Projecting:
    clock = SettableClock(COHORT_START - timedelta(days=1))
    _programme, learners = await install_cohort(database, emails, clock.now)
    projector = ProgressProjector(
        progress_options(replace(Settings(), public_url="https://lrs.test")), clock=clock
    )
    bus = EventBus()
    projector.subscribe(bus)
    worker = OutboxWorker(database, bus, clock=clock)
    await worker.run_until_idle()
    clock.advance(timedelta(days=3))
    return Projecting(database, clock, worker, learners)


async def pull(lrs: RunningLrs, **params: str) -> dict[str, Any]:
    """One pass: every page of records, with the pass's high_watermark."""
    records: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        response = await lrs.request("GET", PATH, params=query)
        assert response.status == 200, await response.text()
        body = await response.json()
        records += body["records"]
        if not body["more"]:
            return {"records": records, "high_watermark": body["high_watermark"]}
        query = {**params, "cursor": body["cursor"]}
