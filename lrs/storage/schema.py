"""Schema management: every table comes from Alembic migrations, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from lrs.storage.base import Base
from lrs.storage.engine import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Modules that declare tables; imported so that Base.metadata knows them all.
MODEL_MODULES = (
    "lrs.storage.models",
    "lrs.storage.document_models",
    "lrs.storage.programme_models",
    "lrs.storage.progress_models",
    "lrs.storage.notification_models",
    "lrs.storage.trust_models",
    "lrs.storage.planned_message_models",
    "notifications.preference_models",
    "lrs.storage.report_models",
    "lrs.storage.staff_models",
)
# Any fixed 64-bit number: serialises concurrent migrators on PostgreSQL.
_MIGRATION_LOCK_ID = 7_163_402_190_517


def all_metadata() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(database: Database, revision: str = "head") -> None:
    """Create or upgrade the schema. Safe to run from several processes at once."""
    async with database.writer.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(database: Database) -> str | None:
    async with database.reader.connect() as connection:
        return await connection.run_sync(_current)
