"""What `/readyz` asks of the store: reachable, migrated to the code's head, outbox keeping up.

`outbox_backlog` is a minimal query of its own (pending count and the oldest pending event's age),
kept behind this one function until lrs/events/status.py offers the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.schema import alembic_config, current_revision


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    oldest_age_seconds: float  # 0 when nothing is pending


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


async def outbox_backlog(session: AsyncSession, now: datetime, *, max_attempts: int) -> OutboxBacklog:
    """Unprocessed events still to be tried (dead letters, out of attempts, are counted apart)."""
    pending = OutboxEvent.processed_at.is_(None) & (OutboxEvent.attempts < max_attempts)
    count, oldest = (
        await session.execute(select(func.count(), func.min(OutboxEvent.created_at)).where(pending))
    ).one()
    age = 0.0 if oldest is None else max(0.0, (now - _aware(oldest, now)).total_seconds())
    return OutboxBacklog(pending=int(count), oldest_age_seconds=age)


def _aware(moment: datetime, reference: datetime) -> datetime:
    """func.min bypasses the column type, so SQLite hands back a naive UTC value."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=reference.tzinfo)


async def dead_letters(session: AsyncSession, *, max_attempts: int) -> int:
    """Events the worker gave up on after `max_attempts` (`lrs events dead` lists them)."""
    dead = OutboxEvent.processed_at.is_(None) & (OutboxEvent.attempts >= max_attempts)
    return int(await session.scalar(select(func.count()).where(dead)) or 0)
