"""Retention: the worker erases learners whose every cohort ended longer ago than the period, once a
day; the CLI says who would go and erases them; `lrs person erase` / `export` as a stranger runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from connectors.base import Recipient, RenderedMessage
from connectors.local.client import list_outbox
from connectors.local.connector import LocalConnector
from connectors.local.settings import LocalSettings
from lrs.clock import utc_now
from lrs.demo_cohort import DEMO_COHORT_ID, GENERATED_LEARNERS, ensure_demo_cohort
from lrs.privacy.retention import TIMER_KEY, arm_retention
from lrs.progress.install import event_worker
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.programme_models import CohortRow, LearnerRow
from lrs.storage.progress_models import Timer

ROOT = Path(__file__).resolve().parents[3]


async def _cohort_end(database: Database) -> datetime:
    async with database.read_session() as session:
        cohort = await session.get(CohortRow, DEMO_COHORT_ID)
    assert cohort is not None
    return datetime.combine(cohort.end_date, datetime.min.time()).replace(tzinfo=utc_now().tzinfo)


async def _erased(database: Database) -> int:
    async with database.read_session() as session:
        count = await session.scalar(
            select(func.count()).select_from(LearnerRow).where(LearnerRow.erased_at.is_not(None))
        )
    return int(count or 0)


async def test_the_worker_erases_learners_once_their_cohort_is_past_retention(database: Database) -> None:
    settings = replace(Settings(), personal_data_retention_days=365)
    await ensure_demo_cohort(database, base_url="http://lrs.test", clock=utc_now)
    end = await _cohort_end(database)
    for moment, expected in (
        (end + timedelta(days=300), 0),
        (end + timedelta(days=367), GENERATED_LEARNERS + 1),
    ):
        clock = lambda moment=moment: moment  # noqa: E731
        async with database.write_session() as session, session.begin():
            timer = await session.scalar(select(Timer).where(Timer.key == TIMER_KEY))
            if timer is not None:
                timer.due_at = moment  # the daily timer comes due now
        await arm_retention(database, settings, clock)
        await event_worker(settings, database, clock=clock).run_until_idle()
        assert await _erased(database) == expected
    async with database.read_session() as session:
        timer = await session.scalar(select(Timer).where(Timer.key == TIMER_KEY))
    assert timer is not None and timer.fired_at is None and timer.due_at == end + timedelta(days=368)


async def test_retention_cleans_the_local_outbox_of_the_people_it_erases(
    database: Database, tmp_path: Path
) -> None:
    """Their own messages go; a team digest that named one of them stays, with the name redacted."""
    folder = tmp_path / "var" / "outbox"
    settings = replace(
        Settings(), personal_data_retention_days=30, connectors={"local": {"folder": str(folder)}}
    )
    await ensure_demo_cohort(database, base_url="http://lrs.test", clock=utc_now)
    async with database.read_session() as session:
        learner = await session.scalar(select(LearnerRow).order_by(LearnerRow.id).limit(1))
    assert learner is not None
    connector = LocalConnector(LocalSettings(folder=folder))
    team = "programme.team@example.gov.uk"
    for message in (
        RenderedMessage("welcome:1@local", Recipient(learner.email, learner.name), "Welcome", "Hello"),
        RenderedMessage(
            "digest:1@local", Recipient(team, "Team"), "Behind", f"{learner.name} and Alex Outside"
        ),
    ):
        await connector.send(message)
    later = await _cohort_end(database) + timedelta(days=31)
    await arm_retention(database, settings, lambda: later)
    await event_worker(settings, database, clock=lambda: later).run_until_idle()

    assert await _erased(database) == GENERATED_LEARNERS + 1
    (digest,) = list_outbox(folder)
    assert digest.recipient == team
    written = "\n".join(path.read_text() for path in folder.iterdir())
    assert learner.name not in written and learner.email not in written and "Alex Outside" in written


def _lrs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lrs", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_person_commands_as_a_stranger_runs_them(tmp_path: Path) -> None:
    env = {**os.environ, "LRS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'people.db'}"}
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,work email,council,employee number\n"
        "Morwenna Trelawney,m.trelawney@kernow.example.gov.uk,kernow,K-0042\n"
    )
    programme = tmp_path / "kernow.toml"
    programme.write_text(
        '[programme]\nid = "kernow-leaders"\ntitle = "Kernow Leaders"\n'
        '[[organisations]]\nid = "kernow"\nname = "Kernow Council"\nsector = "council"\n'
        '[[cohorts]]\nid = "kernow-2020"\ntitle = "Kernow 2020"\nstart = 2020-01-06\nend = 2020-07-31\n'
        'eligibility = { organisations = ["kernow"] }\n'
        '[[modules]]\nid = "m1"\nactivity = "https://kernow.example/m1"\ntitle = "Module 1"\n'
        'move_on = "Completed"\n'
    )
    assert _lrs(env, "programme", "load", str(programme)).returncode == 0
    assert _lrs(env, "roster", "import", str(roster), "--cohort", "kernow-2020").returncode == 0
    export = _lrs(
        env, "person", "export", "M.Trelawney@kernow.example.gov.uk", "--out", str(tmp_path / "sar.json")
    )
    assert export.returncode == 0, export.stderr
    assert json.loads((tmp_path / "sar.json").read_text())["learner"]["employee_number"] == "K-0042"
    assert (tmp_path / "sar.html").is_file()
    would = _lrs(env, "person", "retention", "--days", "365", "--dry-run")
    assert would.returncode == 0 and "would erase 1 learner(s)" in would.stdout, would.stderr
    dry = _lrs(env, "person", "erase", "m.trelawney@kernow.example.gov.uk", "--dry-run", "--json")
    assert json.loads(dry.stdout)["dry_run"] is True
    done = _lrs(env, "person", "erase", "m.trelawney@kernow.example.gov.uk")
    assert done.returncode == 0 and "erased:" in done.stdout and "trelawney" not in done.stdout.lower()
    again = _lrs(
        env, "person", "export", "m.trelawney@kernow.example.gov.uk", "--out", str(tmp_path / "again.json")
    )
    assert again.returncode == 1 and "holds nothing" in again.stderr
    bad = _lrs(env, "person", "erase", "not-an-email")
    assert bad.returncode == 2 and "work email" in bad.stderr and "Traceback" not in bad.stderr
