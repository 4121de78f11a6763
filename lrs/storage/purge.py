"""Deleting settled rows oldest first, a bounded batch at a time: processed outbox events and finished
delivery attempts both leave their tables this way, read from an index on their settled time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


async def delete_oldest_settled(
    session: AsyncSession,
    row_id: InstrumentedAttribute[Any],
    settled_at: InstrumentedAttribute[Any],
    before: datetime,
    *,
    limit: int,
) -> int:
    """Delete up to `limit` rows whose `settled_at` is set and earlier than `before`, oldest first;
    return how many went. Rows not settled yet are never touched."""
    oldest = (
        select(row_id).where(settled_at.is_not(None), settled_at < before).order_by(settled_at).limit(limit)
    )
    ids = list(await session.scalars(oldest))
    if ids:
        await session.execute(delete(row_id.class_).where(row_id.in_(ids)))
    return len(ids)
