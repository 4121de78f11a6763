"""A new user's first run, as the README tells it: commands run from the project folder with no
LRS_* variables, one database for all of them, the served address used by every other command."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.lrs_process import free_port

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LRS_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _lrs(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lrs", *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int, str]]:
    """`lrs serve --demo --port P` in an empty folder; yields (folder, port, what it printed first)."""
    port = free_port()
    log = (tmp_path / "serve.out").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "lrs", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/xapi/about")
        yield tmp_path, port, (tmp_path / "serve.out").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            assert time.monotonic() < deadline, f"{url} did not answer"
            time.sleep(0.2)


def _get_statements(port: int, key: str, secret: str) -> int:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/xapi/statements",
        headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "2.0.0"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_a_credential_made_by_the_cli_works_on_the_running_demo(served: tuple[Path, int, str]) -> None:
    folder, port, _ = served
    created = _lrs(
        folder, "credentials", "create", "--name", "Storyline", "--scope", "statements/read", "--json"
    )
    assert created.returncode == 0, created.stderr
    assert "database: sqlite+aiosqlite:///var/cohort-lrs.db" in created.stderr
    assert "alembic" not in created.stderr.lower()  # no migration INFO lines on a command's output
    issued = json.loads(created.stdout)
    assert _get_statements(port, issued["key"], issued["secret"]) == 200
    assert (folder / "var" / "cohort-lrs.db").is_file()
    listed = _lrs(folder, "credentials", "list")
    assert listed.stdout.splitlines()[0].split() == ["key", "state", "scopes", "name"]


def test_check_in_links_use_the_port_the_server_runs_on(served: tuple[Path, int, str]) -> None:
    folder, port, _ = served
    link = _lrs(
        folder, "attendance", "checkin-link", "--session", "demo-session-3", "--facilitator", "f@x.gov.uk"
    )
    assert link.returncode == 0, link.stderr
    assert link.stdout.strip().startswith(f"http://127.0.0.1:{port}/"), link.stdout


def test_a_non_demo_server_without_public_url_warns(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lrs", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/xapi/about")
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert "public_url is not set" in errors and f"http://127.0.0.1:{port}" in errors
    revoked = _lrs(tmp_path, "credentials", "revoke", "nonexistent")
    assert revoked.returncode == 1 and "Traceback" not in revoked.stderr
