"""Send dead messages again: the planned message goes back to `planned` and its dead delivery keys get
fresh attempts, so the sender's next pass delivers them (once: the delivery log still dedupes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from lrs.storage.engine import Database
from lrs.storage.notification_models import Delivery
from lrs.storage.planned_message_models import PlannedMessage
from notifications.delivery_log import DeliveryState
from notifications.keys import delivery_key
from notifications.records import ALL_CHANNELS
from notifications.schedule import PlanState


async def replay_dead(database: Database, *, now: datetime, key: str | None = None) -> int:
    """Re-plan dead messages (all, or the one named `key`) due now; return how many."""
    async with database.write_session() as session, session.begin():
        query = select(PlannedMessage).where(PlannedMessage.state == PlanState.DEAD.value)
        if key is not None:
            query = query.where(PlannedMessage.key == key)
        rows = list(await session.scalars(query.with_for_update()))
        for row in rows:
            row.state, row.reason, row.due_at, row.updated_at = PlanState.PLANNED.value, "replayed", now, now
            row.claimed_until = None
        dead_keys = [delivery_key(row.key, channel) for row in rows for channel in ALL_CHANNELS]
        if dead_keys:
            await session.execute(
                update(Delivery)
                .where(Delivery.idempotency_key.in_(dead_keys), Delivery.status == DeliveryState.DEAD.value)
                .values(status=DeliveryState.RETRY.value, attempts=0, next_attempt_at=now, updated_at=now)
            )
    return len(rows)
