"""Small write transactions for the engine tests: rows of `lrs_meta` keyed by a test prefix."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from lrs.storage.engine import Database
from lrs.storage.models import LrsMeta


def put(key: str) -> Callable[[Connection], str]:
    """A write transaction's work that inserts one row and returns its key."""

    def work(connection: Connection) -> str:
        connection.execute(insert(LrsMeta).values(key=key, value="v"))
        return key

    return work


async def keys(database: Database, prefix: str) -> set[str]:
    async with database.read_session() as session:
        return set(await session.scalars(select(LrsMeta.key).where(LrsMeta.key.like(f"{prefix}%"))))
