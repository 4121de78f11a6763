"""Fixtures for the storage tests that need SQLite itself (its writer thread, WAL, file lock)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lrs.storage.engine import Database
from tests.conftest import migrated_database


@pytest.fixture
async def sqlite_database(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated_database(sqlite_url) as opened:
        yield opened
