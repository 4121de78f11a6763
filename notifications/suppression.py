"""The durable suppression list: addresses that bounced or failed permanently, kept in the database.

`StoredSuppressionList` satisfies `connectors.base.SuppressionList`, so every connector built with it
refuses a suppressed address before opening a connection. `suppress_in()` adds an address inside a
caller's transaction (the delivery log records a failure and its suppression together).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock, utc_now
from lrs.storage.base import dialect_name, insert_ignoring_conflicts
from lrs.storage.engine import Database
from lrs.storage.notification_models import SuppressedAddress

MAX_REASON_CHARS = 2000


def normalised_address(address: str) -> str:
    """The form addresses are stored and compared in (as MemorySuppressionList does)."""
    return address.strip().lower()


@dataclass(frozen=True)
class Suppression:
    address: str
    reason: str
    suppressed_at: datetime


async def suppress_in(session: AsyncSession, address: str, reason: str, now: datetime) -> None:
    """Suppress `address` within the caller's transaction; the first recorded reason is kept."""
    statement = insert_ignoring_conflicts(dialect_name(session), SuppressedAddress).values(
        address=normalised_address(address), reason=reason[:MAX_REASON_CHARS], suppressed_at=now
    )
    await session.execute(statement)


class StoredSuppressionList:
    def __init__(self, database: Database, *, clock: Clock = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def is_suppressed(self, address: str) -> bool:
        return await self.entry(address) is not None

    async def suppress(self, address: str, reason: str) -> None:
        async with self._database.write_session() as session, session.begin():
            await suppress_in(session, address, reason, self._clock())

    async def entry(self, address: str) -> Suppression | None:
        async with self._database.read_session() as session:
            row = await session.get(SuppressedAddress, normalised_address(address))
        return None if row is None else Suppression(row.address, row.reason, row.suppressed_at)

    async def entries(self) -> list[Suppression]:
        async with self._database.read_session() as session:
            rows = (
                await session.scalars(select(SuppressedAddress).order_by(SuppressedAddress.address))
            ).all()
        return [Suppression(row.address, row.reason, row.suppressed_at) for row in rows]

    async def release(self, address: str) -> bool:
        """Take an address off the list (it was fixed, or suppressed by mistake); whether it was on it."""
        async with self._database.write_session() as session, session.begin():
            result = await session.execute(
                delete(SuppressedAddress).where(SuppressedAddress.address == normalised_address(address))
            )
        return bool(getattr(result, "rowcount", 0))
