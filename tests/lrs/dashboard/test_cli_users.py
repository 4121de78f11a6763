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
    assert _run(monkeypatch, tmp_path, "", "x@example.gov.uk", "--role", "admin", "--password-stdin") == 2
    assert "password:" in capsys.readouterr().err
    assert _run(monkeypatch, tmp_path, "", "entra@example.gov.uk", "--role", "facilitator") == 0
    assert "Entra ID only" in capsys.readouterr().out
    monkeypatch.setattr("sys.argv", ["lrs"])
    assert main(["users", "disable", "entra@example.gov.uk"]) == 0
    assert main(["users", "disable", "nobody@example.gov.uk"]) == 1
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[1].split()[:4] == ["entra@example.gov.uk", "facilitator", "disabled", "entra"]
    assert listing[2].split()[:4] == ["Lead@Example.gov.uk", "admin", "active", "password"]
    rows = asyncio.run(_stored(tmp_path))
    assert sorted(row.email_key for row in rows) == ["entra@example.gov.uk", "lead@example.gov.uk"]
    rows = [row for row in rows if row.email_key == "lead@example.gov.uk"]
    assert rows[0].password_hash.startswith("$argon2id$") and "long enough" not in rows[0].password_hash
