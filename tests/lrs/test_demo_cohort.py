"""The demo has something to watch: a demo programme holding the demo module, a generated cohort with
activity, and the demo learner enrolled in it, so finishing the module moves their progress."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lrs.cli_progress import progress_printer
from lrs.clock import utc_now
from lrs.demo import DEMO_ACTIVITY
from lrs.demo_cohort import DEMO_COHORT_ID, DEMO_LEARNER_EMAIL, GENERATED_LEARNERS
from lrs.http.context import DATABASE, SETTINGS
from lrs.progress.install import event_worker
from lrs.progress.summary import cohort_summary, learner_items
from lrs.storage.models import Statement
from tests.lrs_server import RunningLrs, basic_auth, running_lrs

ROOT = Path(__file__).resolve().parents[2]


async def _project(lrs: RunningLrs) -> None:
    await event_worker(lrs.app[SETTINGS], lrs.app[DATABASE], clock=utc_now).run_until_idle()


async def _statement_count(lrs: RunningLrs) -> int:
    async with lrs.app[DATABASE].read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Statement)) or 0)


async def test_demo_cohort_has_activity_and_the_demo_learner_moves_when_the_module_is_done(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lrs(sqlite_url, demo=True) as lrs:
        out = capsys.readouterr().out
        key = re.search(r"key:\s+(\S+)", out).group(1)  # type: ignore[union-attr]
        secret = re.search(r"secret:\s+(\S+)", out).group(1)  # type: ignore[union-attr]
        assert "demo cohort:   demo-cohort" in out and "lrs progress show --cohort demo-cohort" in out
        await _project(lrs)
        async with lrs.app[DATABASE].read_session() as session:
            learners = await cohort_summary(session, DEMO_COHORT_ID)
        assert len(learners) == GENERATED_LEARNERS + 1
        demo = next(item for item in learners if item.email == DEMO_LEARNER_EMAIL)
        others = [item for item in learners if item.email != DEMO_LEARNER_EMAIL]
        assert demo.status == "not_started" and demo.satisfied == 0
        assert sum(item.status == "in_progress" for item in others) >= GENERATED_LEARNERS // 2
        assert any(item.satisfied >= 3 for item in others) and any(item.satisfied == 0 for item in others)
        assert len({item.organisation_id for item in others}) == 3

        completed = {
            "actor": {"objectType": "Agent", "name": "Demo Learner", "mbox": f"mailto:{DEMO_LEARNER_EMAIL}"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
            "object": {"objectType": "Activity", "id": DEMO_ACTIVITY},
            "result": {"completion": True},
        }
        headers = {**basic_auth(key, secret), "X-Experience-API-Version": "2.0.0"}
        response = await lrs.session.post(
            lrs.server.make_url("/xapi/statements"), json=completed, headers=headers
        )
        assert response.status == 200, await response.text()
        await _project(lrs)
        async with lrs.app[DATABASE].read_session() as session:
            items = {
                item.item_id: item
                for item in await learner_items(session, DEMO_COHORT_ID, DEMO_LEARNER_EMAIL)
            }
            after = next(
                i for i in await cohort_summary(session, DEMO_COHORT_ID) if i.email == DEMO_LEARNER_EMAIL
            )
        assert items["digital-basics"].satisfied_at is not None
        assert after.status == "in_progress" and after.satisfied == 1
        stored = await _statement_count(lrs)
    async with running_lrs(sqlite_url, demo=True) as again:
        assert "generated now" not in capsys.readouterr().out
        assert await _statement_count(again) == stored  # generated once per database


def test_progress_show_prints_a_cohort_and_one_learner(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    env = {"LRS_DATABASE_URL": database, "PATH": "/usr/bin:/bin"}
    script = (
        "import asyncio\n"
        "from lrs.clock import utc_now\n"
        "from lrs.demo_cohort import ensure_demo_cohort\n"
        "from lrs.storage.engine import open_database\n"
        "from lrs.storage.schema import migrate\n"
        "async def main():\n"
        f"    database = open_database({database!r})\n"
        "    await migrate(database)\n"
        "    await ensure_demo_cohort(database, base_url='http://127.0.0.1:8080', clock=utc_now)\n"
        "    await database.dispose()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env=env)
    lrs = [sys.executable, "-m", "lrs"]
    subprocess.run([*lrs, "worker", "--once"], check=True, cwd=ROOT, env=env, capture_output=True)
    table = subprocess.run(
        [*lrs, "progress", "show", "--cohort", DEMO_COHORT_ID],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split()[:3] == ["learner", "organisation", "programme"]
    assert DEMO_LEARNER_EMAIL in table.stdout
    one = subprocess.run(
        [
            *lrs,
            "progress",
            "show",
            "--cohort",
            DEMO_COHORT_ID,
            "--learner",
            DEMO_LEARNER_EMAIL.upper(),
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    items = json.loads(one.stdout)
    assert {item["item_id"] for item in items} >= {
        "digital-basics",
        "demo-session-1",
        "demo-digital-leadership",
    }
    missing = subprocess.run(
        [*lrs, "progress", "show", "--cohort", "no-such-cohort"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "no cohort 'no-such-cohort'" in missing.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counter_draws_on_a_terminal_and_stays_quiet_when_piped() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        show = progress_printer("rebuilt", stream)
        for done in range(0, 501, 50):
            show(done, 500)
    assert pipe.getvalue() == ""
    assert terminal.getvalue().startswith("\rrebuilt 0/500 (0%)")
    assert terminal.getvalue().endswith("\rrebuilt 500/500 (100%)\n")
