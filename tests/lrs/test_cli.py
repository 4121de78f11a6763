"""The `lrs` console command: credentials, migrate, and serve's interface for integrators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _lrs(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LRS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run(
        [sys.executable, "-m", "lrs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def test_credentials_create_json_prints_only_the_pair(tmp_path: Path) -> None:
    created = _lrs(
        tmp_path, "credentials", "create", "--name", "Rise player", "--scope", "statements/write", "--json"
    )
    assert created.returncode == 0, created.stderr
    pair = json.loads(created.stdout)  # nothing else on stdout
    assert set(pair) == {"key", "secret"} and len(pair["secret"]) >= 32
    listed = json.loads(_lrs(tmp_path, "credentials", "list", "--json").stdout)
    assert [(row["key"], row["scopes"], row["revoked"]) for row in listed] == [
        (pair["key"], ["statements/write"], False)
    ]
    assert _lrs(tmp_path, "credentials", "revoke", pair["key"]).returncode == 0
    assert json.loads(_lrs(tmp_path, "credentials", "list", "--json").stdout)[0]["revoked"] is True
    assert _lrs(tmp_path, "credentials", "revoke", "no-such-key").returncode == 1


def test_unknown_scope_is_refused_with_the_allowed_list(tmp_path: Path) -> None:
    result = _lrs(tmp_path, "credentials", "create", "--name", "x", "--scope", "everything")
    assert result.returncode == 2
    assert "unknown scope(s) everything" in result.stderr and "statements/write" in result.stderr


def test_migrate_reports_the_database(tmp_path: Path) -> None:
    result = _lrs(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert "schema up to date" in result.stdout
