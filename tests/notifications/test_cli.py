"""`lrs notifications plan|log|replay` through the real entry point, on a SQLite file the engine
planned with a frozen clock (the communications calendar a programme manager checks before a start)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from lrs.cli import main
from lrs.storage.engine import open_database
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.schema import migrate
from tests.lrs.progress.cohort import COHORT_START
from tests.notifications.engine import engine, install
from tests.notifications.support import ManualClock

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"


@pytest.fixture
def planned_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'plan.db'}"
    monkeypatch.setenv("LRS_DATABASE_URL", url)
    monkeypatch.setenv("LRS_LOG_LEVEL", "WARNING")

    async def prepare() -> None:
        database = open_database(url)
        try:
            await migrate(database)
            clock = ManualClock(COHORT_START - timedelta(days=3))
            await install(database, [ADA, BEN], clock.now)
            await engine(database, clock, {}).worker.run_until_idle()  # planned, nothing sent
            async with database.write_session() as session, session.begin():
                await session.execute(
                    update(PlannedMessage)
                    .where(PlannedMessage.rule == "welcome")
                    .values(state="dead", reason="gave up after 6 attempts")
                )
        finally:
            await database.dispose()

    asyncio.run(prepare())
    return url


def test_plan_lists_the_cohort_calendar_as_json(
    planned_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notifications", "plan", "--cohort", "lead-1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 18  # two learners: welcome, four reminders, four module dates
    assert {tuple(sorted(row)) for row in rows if row["state"] == "planned"} == {
        ("category", "channel", "cohort", "due_at", "due_at_local", "key", "learner", "rule", "state")
    }
    first = rows[2]
    assert first["rule"] == "module_due" and first["due_at"] == "2026-01-26T09:00:00Z"
    assert first["due_at_local"] == "2026-01-26T09:00:00+00:00"
    assert {row["learner"] for row in rows} == {ADA, BEN}
    assert (
        main(["notifications", "plan", "--cohort", "lead-1", "--from", "2026-02-09", "--to", "2026-02-09"])
        == 0
    )
    text = capsys.readouterr().out.splitlines()
    assert len(text) == 5  # header; quiz due and the s1 T-1 reminder for each learner
    assert "2026-02-09 10:00" in text[-1] and "session_reminder" in text[-1]


def test_log_filters_and_replay_plans_a_dead_message_again(
    planned_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notifications", "log", "--learner", ADA.upper(), "--state", "dead", "--json"]) == 0
    [dead] = json.loads(capsys.readouterr().out)
    assert dead["rule"] == "welcome" and dead["reason"] == "gave up after 6 attempts"
    assert dead["attempts"] == []
    assert main(["notifications", "replay", "--dead", "--key", dead["key"]]) == 0
    assert "1 dead message(s) planned again" in capsys.readouterr().out
    assert main(["notifications", "log", "--state", "dead", "--json"]) == 0
    assert [row["learner"] for row in json.loads(capsys.readouterr().out)] == [BEN]


def test_a_bad_date_is_a_usage_error_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["notifications", "plan", "--cohort", "lead-1", "--from", "31/01/2026"])
    assert stopped.value.code == 2
    assert "--from: '31/01/2026' is not a date like 2026-01-31" in capsys.readouterr().err


def test_preview_renders_the_learners_own_planned_message_without_sending(
    planned_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    at = "2026-01-20T00:00"
    assert (
        main(["notifications", "preview", "module_due", "--learner", ADA, "--cohort", "lead-1", "--at", at])
        == 0
    )
    out = capsys.readouterr().out
    assert "== teams (module_due:lead-1:learner-" in out and ":intro:P7D)" in out
    assert "== email (" in out
    assert "Subject: Intro is due on Monday 2 February 2026" in out
    assert "Hello Learner0," in out
    args = ["notifications", "preview", "session_reminder", "--learner", ADA, "--cohort", "lead-1"]
    assert main([*args, "--channel", "email", "--at", "2026-02-12T00:00"]) == 0
    out = capsys.readouterr().out
    assert "Reminder: S2 on Tuesday 17 February 2026 at 10:00" in out and "== teams" not in out
    assert "Venue: Town Hall" in out


def test_preview_names_what_is_wrong(planned_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notifications", "preview", "nudge", "--learner", ADA, "--cohort", "lead-1"]) == 2
    assert "RULE: unknown rule 'nudge' (known: welcome," in capsys.readouterr().err
    assert (
        main(["notifications", "preview", "welcome", "--learner", "zed@north.gov.uk", "--cohort", "lead-1"])
        == 2
    )
    assert "--learner: zed@north.gov.uk is not enrolled in cohort 'lead-1'" in capsys.readouterr().err
