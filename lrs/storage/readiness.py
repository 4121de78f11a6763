"""What `/readyz` asks of the store: reachable and migrated to the code's head. Whether the outbox
keeps up is read from lrs.events.status, the numbers `lrs events status` shows."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import text

from lrs.storage.engine import Database
from lrs.storage.schema import alembic_config, current_revision


async def database_reachable(database: Database) -> bool:
    try:
        async with database.reader.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any driver or network error means "not reachable"
        return False
    return True


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def migrations_current(database: Database) -> bool:
    return await current_revision(database) == head_revision()
