"""Restore drill on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore): back up a
store in use, change it, restore, and find exactly what the backup held, logins included."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lrs.cli import main
from lrs.storage.backup import BackupError, restore_store
from lrs.storage.models import Statement as StatementRow
from tests.lrs.http.test_statements_basic import statement
from tests.lrs_server import RunningLrs, basic_auth


async def _statement_count(lrs: RunningLrs) -> int:
    async with lrs.database.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(StatementRow)) or 0)


async def _lrs(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> int:
    monkeypatch.setenv("LRS_DATABASE_URL", url)
    monkeypatch.setenv("LRS_LOG_LEVEL", "WARNING")
    return await asyncio.to_thread(main, list(args))  # the command runs its own event loop


async def test_restore_drill(
    lrs: RunningLrs, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = [statement(actor=f"mailto:kept{n}@council.gov.uk") for n in range(5)]
    assert (await lrs.request("POST", "/xapi/statements", json=kept)).status == 200
    learner = await lrs.credential("statements/write statements/read/mine", name="kept")
    backup = tmp_path / "store.backup"
    assert await _lrs(monkeypatch, database_url, "backup", str(backup)) == 0  # the server keeps running
    later = [statement(actor="mailto:later@council.gov.uk") for _ in range(3)]
    assert (await lrs.request("POST", "/xapi/statements", json=later)).status == 200
    assert await _statement_count(lrs) == 8
    assert await _lrs(monkeypatch, database_url, "restore", str(backup)) == 2  # needs --yes
    assert await _lrs(monkeypatch, database_url, "restore", str(backup), "--yes") == 0
    await lrs.database.dispose()  # drop pooled connections that predate the restore
    assert await _statement_count(lrs) == 5
    page = await (await lrs.request("GET", "/xapi/statements", params={"limit": "10"})).json()
    assert sorted(s["actor"]["mbox"] for s in page["statements"]) == sorted(s["actor"]["mbox"] for s in kept)
    assert (await lrs.request("GET", "/xapi/statements", headers=learner)).status == 200
    assert basic_auth(lrs.key, lrs.secret)


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    with pytest.raises(BackupError, match="is not a SQLite database"):
        restore_store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", bogus)
    with pytest.raises(BackupError, match="no backup file"):
        restore_store(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", tmp_path / "missing")
