"""Ids of committed rows a writer process remembers between transactions, and the identity
generation that tells every process when to forget them."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.models import LrsMeta

# lrs_meta row that an erasure sets to a new random value, in its own transaction: every process
# reads it in each write transaction and forgets the ids it knew when it changed.
GENERATION_KEY = "identity_generation"


class KnownIds:
    """Ids of committed persons and agent forms, remembered per process: such a row never changes id,
    so a busy writer need not look the same learners up again. An erasure rewrites persons and forms
    in place (another process may do it: `lrs person erase`), so what is remembered holds for one
    identity generation only (`follow`)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.persons: dict[str, int] = {}
        self.forms: dict[str, int] = {}
        self.generation: str | None = None
        self._held: list[tuple[dict[str, int], dict[str, int]]] | None = None

    def follow(self, generation: str) -> None:
        """The generation a write transaction read: any other than the one remembered under means
        an erasure committed in between (or the transaction began before one), so forget it all."""
        if generation != self.generation:
            self.persons.clear()
            self.forms.clear()
            if self._held is not None:
                self._held.clear()
            self.generation = generation

    def remember(self, table: dict[str, int], found: Mapping[str, int]) -> None:
        if self._held is not None:
            self._held.append((table, dict(found)))
            return
        if len(table) + len(found) > self.limit:
            table.clear()
        table.update(found)

    def hold(self) -> None:
        """Keep what is remembered aside until `release`: a grouped transaction sees rows that an
        earlier member inserted, and those exist only if the group commits."""
        self._held = []

    def release(self, *, committed: bool) -> None:
        held, self._held = self._held or [], None
        if committed:
            for table, found in held:
                self.remember(table, found)


def identity_generation(connection: Connection) -> str:
    """The current identity generation, read inside the caller's write transaction."""
    value = connection.execute(select(LrsMeta.value).where(LrsMeta.key == GENERATION_KEY)).scalar()
    return value or ""


async def start_identity_generation(session: AsyncSession) -> None:
    """Called by an erasure inside its transaction: once it commits, every process's remembered ids
    are stale and are dropped at its next write."""
    value = secrets.token_hex(8)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(LrsMeta).values(key=GENERATION_KEY, value=value)
    await session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
