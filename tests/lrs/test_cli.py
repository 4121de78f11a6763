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


def test_serve_with_two_processes_answers_and_stops_cleanly(tmp_path: Path) -> None:
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "LRS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'multi.db'}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "lrs", "serve", "--port", str(port), "--processes", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/xapi/about", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
