"""Cohort page latency: a cohort of N learners (default 500) on the demo programme, each with a
projected progress row per item, served by the app in process; a signed-in admin fetches the cohort
page (and its CSV) R times in sequence
after three untimed warm-up requests. Prints p50/p99/max per page, and the p50/p99 CPU time of a
request (server and client share the process, so it includes reading the answer): on a shared
machine the CPU time shows the page's own cost where the wall time shows the queue for a core.

The collector is tuned as `lrs serve` tunes it (frozen start-up heap, fewer collections). Learners
are enrolled through the roster import; their progress rows are written directly (as the
projection would leave them, with a realistic spread of statuses), so the figure is the page's cost,
not the worker's.

    .venv/bin/python -m bench.dashboard --database sqlite --learners 500 --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import re
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bench.lrs_process import fresh_database
from lrs.app import create_app
from lrs.clock import utc_now
from lrs.dashboard.users import create_staff_user
from lrs.demo_cohort import COUNCILS, DEMO_COHORT_ID, demo_programme
from lrs.http.context import DATABASE
from lrs.programme.loader import parse_programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.programme_models import EnrolmentRow, ModuleRow, SessionRow
from lrs.storage.progress_models import ProgressLearner, ProgressRecord

PASSWORD = "benchmark password 1"
MODULE_STATUSES = ("not_started", "in_progress", "completed", "passed")
SESSION_STATUSES = ("attended", "absent", "not_started")


async def load_cohort(database: Database, learners: int, rng: random.Random) -> None:
    now = utc_now()
    programme = parse_programme(demo_programme(now.date()))
    async with database.write_session() as session, session.begin():
        await save_programme(session, programme, source="bench", now=now)
        rows = [
            RosterRow(
                line=n,
                name=f"Learner {n:04}",
                email=f"learner{n}@example.gov.uk",
                organisation=COUNCILS[n % 3][0],
            )
            for n in range(1, learners + 1)
        ]
        await import_roster(session, rows, cohort_id=DEMO_COHORT_ID, now=now)
        await create_staff_user(
            session, email="bench@example.gov.uk", role="admin", organisations=(), password=PASSWORD, now=now
        )
        ids = list(
            await session.scalars(
                select(EnrolmentRow.learner_id).where(EnrolmentRow.cohort_id == DEMO_COHORT_ID)
            )
        )
        modules = list(
            await session.scalars(select(ModuleRow.module_id).where(ModuleRow.programme_id == programme.id))
        )
        sessions = list(
            await session.scalars(select(SessionRow.session_id).where(SessionRow.cohort_id == DEMO_COHORT_ID))
        )
        for learner_id in ids:
            session.add_all(_progress_rows(programme.id, learner_id, modules, sessions, now, rng))


def _progress_rows(
    programme_id: str,
    learner_id: int,
    modules: list[str],
    sessions: list[str],
    now: datetime,
    rng: random.Random,
) -> list[ProgressRecord | ProgressLearner]:
    """What the projection would hold for one learner: a row per item and their last activity."""
    last = now - timedelta(days=rng.randint(0, 30))
    items = [("module", item, rng.choice(MODULE_STATUSES)) for item in modules]
    items += [("session", item, rng.choice(SESSION_STATUSES)) for item in sessions]
    items.append(("programme", programme_id, "in_progress"))
    rows: list[ProgressRecord | ProgressLearner] = [
        ProgressRecord(
            programme_id=programme_id,
            cohort_id=DEMO_COHORT_ID,
            learner_id=learner_id,
            item_kind=kind,
            item_id=item_id,
            status=status,
            first_activity_at=last,
            last_activity_at=last,
            completed_at=last if status in ("completed", "passed") else None,
            satisfied_at=last if status in ("completed", "passed", "attended") else None,
            score_scaled=None,
            time_spent_ms=0,
        )
        for kind, item_id, status in items
    ]
    rows.append(
        ProgressLearner(
            learner_id=learner_id, programme_id=programme_id, cohort_id=DEMO_COHORT_ID, last_activity_at=last
        )
    )
    return rows


Timings = dict[str, list[tuple[float, float]]]  # per page: (wall ms, CPU ms) of each request


async def time_pages(url: str, requests: int) -> Timings:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        form = await (await client.get(f"{url}/sign-in")).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        signed_in = await client.post(
            f"{url}/sign-in",
            data={"email": "bench@example.gov.uk", "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert signed_in.status == 303, signed_in.status
        timings: Timings = {}
        for name, path in (
            ("cohort page", f"/dashboard/cohorts/{DEMO_COHORT_ID}?sort=risk&order=desc"),
            ("roster CSV", f"/dashboard/cohorts/{DEMO_COHORT_ID}/roster.csv"),
            ("overview", f"/dashboard/cohorts/{DEMO_COHORT_ID}/overview"),
        ):
            samples = timings.setdefault(name, [])
            for _ in range(3):  # warm-up, not timed: template compilation, SQLite page cache
                async with client.get(f"{url}{path}") as response:
                    await response.read()
            for _ in range(requests):
                started, cpu_started = time.perf_counter(), time.process_time()
                async with client.get(f"{url}{path}") as response:
                    await response.read()
                    assert response.status == 200, response.status
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                samples.append((wall * 1000, cpu * 1000))
        return timings


async def run(kind: str, learners: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        async with fresh_database(kind, Path(workdir)) as database_url:
            settings = replace(Settings(), database_url=database_url, worker_in_process=False)
            app = create_app(settings)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            try:
                await load_cohort(app[DATABASE], learners, random.Random(500))
                # As `lrs serve` does (lrs/serving.py): freeze the start-up heap, collect less often.
                gc.collect()
                gc.freeze()
                gc.set_threshold(50_000, 20, 100)
                timings = await time_pages(str(server.make_url("")).rstrip("/"), requests)
            finally:
                await server.close()
    for name, samples in timings.items():
        ordered = sorted(wall for wall, _ in samples)
        cpu = sorted(used for _, used in samples)
        print(
            f"{kind} {learners} learners, {name}: p50 {statistics.median(ordered):.1f} ms, "
            f"p99 {_p99(ordered):.1f} ms, max {ordered[-1]:.1f} ms ({len(ordered)} requests); "
            f"CPU p50 {statistics.median(cpu):.1f} ms, p99 {_p99(cpu):.1f} ms; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    for kind in ("sqlite", "postgres") if args.database == "both" else (args.database,):
        asyncio.run(run(kind, args.learners, args.requests))


if __name__ == "__main__":
    main()
