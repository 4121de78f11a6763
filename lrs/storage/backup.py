"""Backup and restore of the whole store.

SQLite: the online backup API (a consistent copy while the server keeps running), written to a
temporary file, checked with `PRAGMA integrity_check` and renamed into place. Restore copies a
checked backup back the same way. PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean`,
which must be on PATH (they come with the PostgreSQL client packages).

The hash key file (`hash_key_file`) is not in the database, so not in a backup: keep a copy of it
apart from the backups (docs/operations.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from lrs.storage.engine import normalise_url


class BackupError(RuntimeError):
    """A backup or restore could not be made (the message says why)."""


def backup_store(database_url: str, target: Path) -> str:
    """Write a backup of the store at `database_url` to `target`; returns what was written."""
    url = normalise_url(database_url)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
        return f"SQLite backup of {_sqlite_path(url)}"
    dsn, env = _libpq(url)
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", dsn], "pg_dump", env)
    return f"pg_dump of {url.render_as_string(hide_password=True)}"


def restore_store(database_url: str, source: Path) -> str:
    """Replace the store at `database_url` with the backup `source`."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    url = normalise_url(database_url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        _sqlite_restore(source, _sqlite_path(url))
        return f"restored {_sqlite_path(url)} from {source}"
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    dsn, env = _libpq(url)
    _run([*command, f"--dbname={dsn}", str(source)], "pg_restore", env)
    return f"restored {url.render_as_string(hide_password=True)} from {source}"


def _sqlite_copy(source: Path, target: Path) -> None:
    """A checked, self-contained copy of `source` at `target`, renamed into place when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    temporary.unlink(missing_ok=True)
    origin, copy = sqlite3.connect(source), sqlite3.connect(temporary)
    try:
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError(f"the copy of {source} failed its integrity check")
    finally:
        origin.close()
        copy.close()
    os.replace(temporary, target)


def _sqlite_restore(source: Path, target: Path) -> None:
    """Copy the backup into the live file page by page (the backup API), so that connections left
    open see the restored content rather than a file swapped under them."""
    if not target.exists():
        _sqlite_copy(source, target)
        return
    restored, live = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        restored.backup(live)
    finally:
        restored.close()
        live.close()


def _check_sqlite_backup(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup:
            tables = {name for (name,) in backup.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            healthy = backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        backup.close()
    except sqlite3.DatabaseError as err:
        raise BackupError(f"{source} is not a SQLite database: {err}") from None
    if "alembic_version" not in tables or not healthy:
        raise BackupError(f"{source} is not a healthy cohort-lrs backup")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it (no +asyncpg driver part, no password) and the environment that
    carries the password, so that it never shows in the process list."""
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return plain, env


def _run(command: list[str], tool: str, env: dict[str, str]) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not on PATH: install the PostgreSQL client tools")
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")
