"""The migrations create exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from lrs.storage.engine import open_database
from lrs.storage.schema import all_metadata, current_revision, migrate


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, all_metadata()))


async def test_migrations_match_models(database_url: str) -> None:
    database = open_database(database_url)
    try:
        await migrate(database)
        await migrate(database)  # idempotent
        assert await current_revision(database) is not None
        async with database.reader.connect() as connection:
            differences = await connection.run_sync(_differences)
        assert differences == []
    finally:
        await database.dispose()
