"""Throttling replies per channel (connectors.throttling counts them during a send): stored with the
delivery attempt, so that every process's /metrics shows the same totals, workers' included."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.base import dialect_name, insert_ignoring_conflicts
from lrs.storage.notification_models import ConnectorThrottle


async def add_throttled(session: AsyncSession, channel: str, count: int, now: datetime) -> None:
    """Add `count` throttling replies to the channel's total, in the caller's transaction."""
    if count <= 0:
        return
    create = insert_ignoring_conflicts(dialect_name(session), ConnectorThrottle)
    await session.execute(create.values(channel=channel, throttled=0, updated_at=now))
    await session.execute(
        update(ConnectorThrottle)
        .where(ConnectorThrottle.channel == channel)
        .values(throttled=ConnectorThrottle.throttled + count, updated_at=now)
    )


async def throttled_by_channel(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(ConnectorThrottle.channel, ConnectorThrottle.throttled))
    return {channel: int(count) for channel, count in rows}
