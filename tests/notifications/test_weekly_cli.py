"""`lrs notifications plan|preview` for the weekly rules, through the real entry point on a SQLite file
the engine planned with a frozen clock: the weekly messages are on the communications calendar, and
a preview shows the card or the digest as it would go, without sending."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from lrs.cli import main
from lrs.storage.engine import open_database
from lrs.storage.schema import migrate
from notifications.rules import parse_rules
from notifications.weekly import recipient_token
from tests.lrs.progress.cohort import COHORT_START
from tests.notifications.engine import due_definition, engine, install
from tests.notifications.support import ManualClock

TEAM = "academy-team@lga.example"


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
            definition = {**due_definition(), "notifications": {"team_digest": {"to": [TEAM]}}}
            await install(database, ["ada@north.gov.uk", "ben@north.gov.uk"], clock.now, definition)
            await engine(database, clock, {}, parse_rules({})).worker.run_until_idle()  # planned only
        finally:
            await database.dispose()

    asyncio.run(prepare())
    return url


def test_the_weekly_messages_are_on_the_cohort_calendar(
    planned_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "notifications",
                "plan",
                "--cohort",
                "lead-1",
                "--from",
                "2026-01-26",
                "--to",
                "2026-01-26",
                "--json",
            ]
        )
        == 0
    )
    rows = [row for row in json.loads(capsys.readouterr().out) if row["learner"] is None]
    assert [(row["rule"], row["key"], row["due_at"], row["state"]) for row in rows] == [
        (
            "team_digest",
            f"team_digest:lead-1:cohort:2026-W05:{recipient_token(TEAM)}",
            "2026-01-26T08:00:00Z",
            "planned",
        ),
        ("cohort_update", "cohort_update:lead-1:cohort:2026-W05", "2026-01-26T09:30:00Z", "planned"),
    ]
    assert main(["notifications", "plan", "--cohort", "lead-1", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert sum(row["rule"] == "cohort_update" for row in every) == 26
    assert sum(row["rule"] == "team_digest" for row in every) == 26


def test_preview_shows_the_channel_card_without_sending(
    planned_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["notifications", "preview", "cohort_update", "--cohort", "lead-1", "--at", "2026-01-26T09:00"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith(
        "== teams_channel (cohort_update:lead-1:cohort:2026-W05)\nSubject: Lead 1: the week ahead"
    )
    assert "0 of 2 learners (0%) are on track." in out
    assert "- Monday 2 February 2026: Intro is due" in out
    card = json.loads(out[out.index("-- adaptive card\n") + 17 :])
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    assert "ada@" not in out and "Learner0" not in out


def test_preview_shows_the_digest_email_and_says_when_it_would_be_cancelled(
    planned_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["notifications", "preview", "team_digest", "--cohort", "lead-1", "--at", "2026-01-26T07:00"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith(f"== email (team_digest:lead-1:cohort:2026-W05:{recipient_token(TEAM)})\n")
    assert (
        "North Council (2):\n- Learner0 Surname: inactive 21 days\n- Learner1 Surname: inactive 21 days"
        in out
    )
    assert "-- html\n<!DOCTYPE html>" in out and "would be cancelled" not in out
    assert (
        main(["notifications", "preview", "team_digest", "--cohort", "lead-1", "--at", "2026-01-06T07:00"])
        == 0
    )
    assert "-- would be cancelled: no learner is behind" in capsys.readouterr().out


def test_preview_arguments_are_checked_by_name(planned_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notifications", "preview", "welcome", "--cohort", "lead-1"]) == 2
    assert "--learner: required for welcome" in capsys.readouterr().err
    assert main(["notifications", "preview", "cohort_update", "--cohort", "nope"]) == 2
    assert "--cohort: no cohort 'nope'" in capsys.readouterr().err
