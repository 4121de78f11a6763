"""Shared fixtures: `database_url` runs a test on SQLite and on PostgreSQL; `lrs` is a running server
with an all-scope credential."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from lrs.storage.engine import Database, open_database
from lrs.storage.schema import migrate
from tests.databases import database_url_for
from tests.fakes.tls import ca, ca_file, no_ca_bundle_from_the_environment
from tests.lrs_server import RunningLrs, running_lrs

__all__ = ["ca", "ca_file", "no_ca_bundle_from_the_environment"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_url_for(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> AsyncIterator[str]:
    async with database_url_for("sqlite", tmp_path) as url:
        yield url


@asynccontextmanager
async def migrated_database(url: str) -> AsyncIterator[Database]:
    """The store at `url`, migrated, disposed of afterwards."""
    opened = open_database(url)
    try:
        await migrate(opened)
        yield opened
    finally:
        await opened.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An empty, migrated store (SQLite and PostgreSQL)."""
    async with migrated_database(database_url) as opened:
        yield opened


@pytest.fixture
async def lrs(database_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(database_url) as server:
        yield server
