"""`lrs users create`: the password from standard input, hashed; bad input is exit 2 naming the field."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from lrs.cli import main
from lrs.storage.engine import open_database
from lrs.storage.staff_models import StaffUserRow


def _run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stdin: str, *args: str) -> int:
    monkeypatch.setenv("LRS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'lrs.db'}")
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["users", "create", *args])


async def _stored(tmp_path: Path) -> list[StaffUserRow]:
    database = open_database(f"sqlite+aiosqlite:///{tmp_path / 'lrs.db'}")
    try:
        async with database.read_session() as session:
            return list(await session.scalars(select(StaffUserRow)))
    finally:
        await database.dispose()


def test_users_create(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    password = "a long enough password\n"
    assert (
        _run(monkeypatch, tmp_path, password, "Lead@Example.gov.uk", "--role", "admin", "--password-stdin")
        == 0
    )
    assert "created admin Lead@Example.gov.uk" in capsys.readouterr().out
    assert (
        _run(monkeypatch, tmp_path, password, "lead@example.gov.uk", "--role", "admin", "--password-stdin")
        == 2
    )
    assert "already exists" in capsys.readouterr().err
    assert _run(monkeypatch, tmp_path, password, "hr@example.gov.uk", "--role", "hr", "--password-stdin") == 2
    assert "organisation:" in capsys.readouterr().err
    assert (
        _run(monkeypatch, tmp_path, "short\n", "x@example.gov.uk", "--role", "admin", "--password-stdin") == 2
    )
    assert "password:" in capsys.readouterr().err
    assert _run(monkeypatch, tmp_path, "", "x@example.gov.uk", "--role", "admin") == 2
    rows = asyncio.run(_stored(tmp_path))
    assert [row.email_key for row in rows] == ["lead@example.gov.uk"]
    assert rows[0].password_hash.startswith("$argon2id$") and "long enough" not in rows[0].password_hash
