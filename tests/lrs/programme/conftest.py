"""A migrated database (SQLite and PostgreSQL) holding the minimal test programme."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.storage.engine import Database, open_database
from lrs.storage.schema import migrate
from tests.lrs.programme.definitions import minimal_definition

NOW = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    try:
        await migrate(database)
        async with database.write_session() as session, session.begin():
            await save_programme(session, parse_programme(minimal_definition()), source="test", now=NOW)
        yield database
    finally:
        await database.dispose()
