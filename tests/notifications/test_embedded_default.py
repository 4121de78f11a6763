"""With no connector configured, messages go to the embedded `local` channel: an .eml and a .json per
message under var/outbox/. Tested as a user meets it: `lrs` commands in an empty folder (programme
load, roster import, `lrs worker --once`), and the served app with its in-process worker, where a
statement posted over HTTP makes a congratulations file appear and cancels the module's nudges."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from lrs.http.context import HASH_KEY
from lrs.progress import verbs
from lrs.storage.engine import Database
from notifications.links import verify_token
from tests.lrs.progress.cohort import BASE, COHORT_START, statement
from tests.lrs_server import running_lrs
from tests.notifications.engine import install, states
from tests.notifications.support import ManualClock

ROOT = Path(__file__).resolve().parents[2]
ADA = "ada@north.gov.uk"


def programme_toml(start: date) -> str:
    return f"""
[programme]
id = "lead"
title = "Lead"

[[organisations]]
id = "north-council"
name = "North Council"
sector = "council"

[[cohorts]]
id = "lead-1"
title = "Lead 1"
start = "{start.isoformat()}"
end = "{(start + timedelta(days=180)).isoformat()}"

[[modules]]
id = "intro"
activity = "https://cohort-lrs.example/lead/intro"
title = "Intro"
url = "https://learn.north.gov.uk/lead/intro"
due = "P4W"
"""


def lrs(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LRS_")}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "lrs", "--config", str(folder / "settings.toml"), *args]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def parsed_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def records(outbox: Path) -> list[dict[str, object]]:
    return [json.loads(path.read_text()) for path in sorted(outbox.glob("*.json"))]


def test_lrs_worker_with_nothing_configured_writes_the_welcome_to_var_outbox(tmp_path: Path) -> None:
    (tmp_path / "programmes").mkdir()
    (tmp_path / "programmes" / "lead.toml").write_text(programme_toml(date.today() + timedelta(days=14)))
    (tmp_path / "roster.csv").write_text(
        f"name,work email,council,cohort\nAda Lovelace,{ADA},north-council,lead-1\n"
    )
    (tmp_path / "settings.toml").write_text(
        '[lrs]\ndatabase_url = "sqlite+aiosqlite:///var/lrs.db"\nprogrammes_dir = "programmes"\n'
        'public_url = "https://lrs.test"\n\n'
        "[notifications]\nsending_windows = false  # this test runs on the real clock, at any hour\n"
    )
    lrs(tmp_path, "programme", "load")
    lrs(tmp_path, "roster", "import", "roster.csv")
    lrs(tmp_path, "worker", "--once")
    lrs(tmp_path, "worker", "--once")  # a second pass writes nothing twice
    outbox = tmp_path / "var" / "outbox"
    [record] = records(outbox)
    assert record["subject"] == "Welcome to Lead"
    message = parsed_eml(outbox / str(record["eml"]))
    assert str(message["To"]) == f"Ada Lovelace <{ADA}>" and str(message["Subject"]) == "Welcome to Lead"
    assert str(message["List-Unsubscribe"]).startswith("<https://lrs.test/notifications/unsubscribe?t=")
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello Ada," in text and "Open it here: https://learn.north.gov.uk/lead/intro" in text
    assert "https://lrs.test/notifications/preferences?t=" in text
    logged = json.loads(lrs(tmp_path, "notifications", "log", "--json").stdout)
    welcome = next(row for row in logged if row["rule"] == "welcome")
    assert (welcome["state"], welcome["channel"]) == ("delivered", "local")


async def until_files(outbox: Path, count: int, seconds: float = 30) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while len(found := records(outbox)) < count:
        assert time.monotonic() < deadline, f"{outbox} holds {len(found)} of {count} messages"
        await asyncio.sleep(0.1)
    return found


async def until_state(
    database: Database, key: str, state: str, seconds: float = 30
) -> dict[str, tuple[str, str | None]]:
    """Every planned message's (state, reason), once `key` has reached `state`."""
    deadline = time.monotonic() + seconds
    while (found := await states(database)).get(key, ("",))[0] != state:
        assert time.monotonic() < deadline, f"{key} is {found.get(key)}, not {state}"
        await asyncio.sleep(0.1)
    return found


async def test_the_served_app_writes_a_file_when_a_statement_completes_a_module(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # var/outbox/ and the key file are relative to the working folder
    clock = ManualClock(COHORT_START + timedelta(days=1, hours=10))  # Tuesday 6 January, 10:00
    overrides = {"worker_in_process": True, "worker_poll_seconds": 0.05, "public_url": "https://lrs.test"}
    async with running_lrs(sqlite_url, clock=clock, **overrides) as server:
        _programme, learners = await install(server.database, [ADA], clock.now)
        outbox = tmp_path / "var" / "outbox"
        enrolment = await until_files(outbox, 3)  # the welcome and an invitation per session
        completed = statement(ADA, verbs.COMPLETED, f"{BASE}/intro", clock.now)
        response = await server.request("POST", "/xapi/statements", json=[completed])
        assert response.status == 200, await response.text()
        found = await until_files(outbox, 4)
        hash_key = server.app[HASH_KEY]
        # The file is written before the sender settles the message: wait for that too.
        congratulated = f"congratulations:lead-1:learner-{learners[ADA]}:module:intro"
        planned_states = await until_state(server.database, congratulated, "delivered")
    assert sorted(str(item["subject"]) for item in enrolment) == [
        "Invitation: S1 on Tuesday 10 February 2026 at 10:00",
        "Invitation: S2 on Tuesday 17 February 2026 at 10:00",
        "Welcome to Lead",
    ]
    [congratulations] = [item for item in found if item not in enrolment]
    assert congratulations["subject"] == "Well done on Lead"
    message = parsed_eml(outbox / str(congratulations["eml"]))
    token = str(message["List-Unsubscribe"]).split("t=", 1)[1].rstrip(">")
    assert verify_token(token, "unsubscribe", hash_key, now=clock.now) == learners[ADA]
    ada = learners[ADA]
    assert planned_states[f"module_due:lead-1:learner-{ada}:intro:P7D"][0] == "cancelled"
    assert planned_states[f"congratulations:lead-1:learner-{ada}:module:intro"] == ("delivered", None)
