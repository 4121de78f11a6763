"""Real databases for tests: a SQLite file per test, or a fresh PostgreSQL database per test.

PostgreSQL tests skip (visibly) when the server is not reachable, unless LRS_REQUIRE_POSTGRES=1 (CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

POSTGRES_ADMIN_DSN = os.environ.get("LRS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _require(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0", "false")


async def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as err:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_DSN}: {err}"
    await connection.close()
    return None


def skip_or_fail(reason: str, require_variable: str) -> None:
    if _require(require_variable):
        pytest.fail(f"{reason} (and {require_variable}=1 makes it mandatory)")
    pytest.skip(reason)


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards."""
    reason = await postgres_available()
    if reason:
        skip_or_fail(reason, "LRS_REQUIRE_POSTGRES")
    name = f"lrs_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def database_url_for(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'lrs.db'}"
        return
    async with fresh_postgres_database() as url:
        yield url
