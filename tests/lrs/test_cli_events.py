"""`lrs events status` and `lrs events dead [--replay ID | --all]` as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from lrs.storage.engine import open_database
from lrs.storage.models import OutboxEvent
from lrs.storage.outbox import append_events
from lrs.storage.schema import migrate

ROOT = Path(__file__).resolve().parents[2]


def _lrs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lrs", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


async def test_status_lists_lag_and_dead_letters_replay(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
    database = open_database(url)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    try:
        await migrate(database)
        async with database.write_session() as session, session.begin():
            await append_events(session, [("test.one", {"n": 1}), ("test.two", {"n": 2})], now=now)
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.topic == "test.two")
                .values(dead_at=now, attempts=8, last_error="listener kaput: ValueError")
            )
    finally:
        await database.dispose()
    env = {**os.environ, "LRS_DATABASE_URL": url}
    status = json.loads(_lrs(env, "events", "status", "--json").stdout)
    assert (status["pending"], status["dead_letters"]) == (1, 1)
    assert status["oldest_due_age_seconds"] > 0
    listed = _lrs(env, "events", "dead")
    assert "test.two" in listed.stdout and "listener kaput" in listed.stdout
    [letter] = json.loads(_lrs(env, "events", "dead", "--json").stdout)
    missing = _lrs(env, "events", "dead", "--replay", "424242")
    assert missing.returncode == 1 and "replayed 0" in missing.stdout
    replayed = _lrs(env, "events", "dead", "--replay", str(letter["id"]))
    assert replayed.returncode == 0 and f"replayed 1 dead letter(s): {letter['id']}" in replayed.stdout
    after = json.loads(_lrs(env, "events", "status", "--json").stdout)
    assert (after["pending"], after["dead_letters"]) == (2, 0)
