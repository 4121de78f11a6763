"""`lrs check-config` (and `lrs serve` on a broken deployment) through the real entry point: a sound
deployment passes, and each kind of problem is named on its own line with exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LRS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("LRS_HASH_KEY_FILE", str(tmp_path / "store.key"))
    monkeypatch.setenv("LRS_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("LRS_PROGRAMMES_DIR", str(tmp_path / "none"))
    return tmp_path


def test_a_sound_deployment_passes(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    monkeypatch.setenv("LRS_PUBLIC_URL", "https://lrs.council.example")
    monkeypatch.setenv("LRS_TRUSTED_PROXIES", "127.0.0.1")
    capsys.readouterr()
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "configuration ok" in out and "store.key matches the database" in out


def test_problems_are_named(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LRS_PUBLIC_URL", "http://lrs.council.example")
    monkeypatch.setenv("LRS_SECRET_KEY", "short")
    assert main(["check-config"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM  public_url   must be https://" in out
    assert "PROBLEM  secret_key   shorter than 32 characters" in out
    assert "PROBLEM  migrations   behind: run lrs migrate" in out
    monkeypatch.setenv("LRS_PUBLIC_URL", "https://lrs.council.example")
    monkeypatch.setenv("LRS_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    assert main(["check-config"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM  tls" in out and "is not reachable" in out


def test_serve_without_its_key_file_says_what_to_do(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["credentials", "create", "--name", "lms"]) == 0  # makes the key file
    (env / "store.key").unlink()
    capsys.readouterr()
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "no key file at" in err and "LRS_SECRET_KEY" in err and "Traceback" not in err
