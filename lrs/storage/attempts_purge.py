"""Old delivery attempts leave the table: each is one call to a connector, kept for the delivery log
while it helps an operator, then deleted. The delivery itself (its key, state and channel) stays, so
idempotency never depends on the attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.notification_models import DeliveryAttempt
from lrs.storage.purge import delete_oldest_settled


async def purge_settled_attempts(session: AsyncSession, before: datetime, *, limit: int) -> int:
    """Delete up to `limit` attempts that finished before `before` (oldest first, read from
    `ix_delivery_attempts_finished`); return how many went. Unfinished attempts are never touched."""
    return await delete_oldest_settled(
        session, DeliveryAttempt.id, DeliveryAttempt.finished_at, before, limit=limit
    )
