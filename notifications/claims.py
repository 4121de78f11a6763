"""The sender's side of the schedule: claim due messages in a short write transaction of its own, and
settle each one (sent, delivered, cancelled, throttled, failed, dead) in another.

A claim is a lease (`claimed_until`): a sender that dies mid-send simply lets it run out, and the next
claim of the row sends it under the same idempotency key, which the delivery log sends at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.schedule import PlanState

COUNTED_STATES = (PlanState.SENT.value, PlanState.DELIVERED.value)


@dataclass(frozen=True)
class Settlement:
    state: PlanState
    reason: str | None = None
    channel: str | None = None


def due_messages(now: datetime, limit: int) -> Select[int]:
    """The first `limit` planned messages due at `now` and not leased, in (due_at, id) order: a range
    read of the partial index `ix_planned_messages_claim`, no sort, however many are due."""
    return (
        select(PlannedMessage.id)
        .where(
            PlannedMessage.state == PlanState.PLANNED.value,
            PlannedMessage.due_at <= now,
            or_(PlannedMessage.claimed_until.is_(None), PlannedMessage.claimed_until <= now),
        )
        .order_by(PlannedMessage.due_at, PlannedMessage.id)
        .limit(limit)
    )


async def read_in_index_order(session: AsyncSession) -> None:
    """On PostgreSQL, for this transaction: no sort and no bitmap scan, so the claim walks the index
    in order and stops at `limit`. Without statistics (a fresh store, autovacuum off) the planner
    guesses a few due rows and sorts them all instead; in a flood that was 0.7 s a claim."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL enable_sort = off"))
        await session.execute(text("SET LOCAL enable_bitmapscan = off"))


async def claim_due(database: Database, now: datetime, *, lease: timedelta, limit: int) -> list[int]:
    """Ids of due planned messages, now leased to this sender until `now + lease`."""
    async with database.write_session() as session, session.begin():
        await read_in_index_order(session)
        due = due_messages(now, limit).with_for_update(skip_locked=True)
        ids: list[int] = list(await session.scalars(due))
        if ids:
            await session.execute(
                update(PlannedMessage).where(PlannedMessage.id.in_(ids)).values(claimed_until=now + lease)
            )
    return ids


async def settle(database: Database, row_id: int, outcome: Settlement, now: datetime) -> None:
    values: dict[str, object] = {
        "state": outcome.state.value,
        "reason": outcome.reason,
        "claimed_until": None,
        "updated_at": now,
    }
    if outcome.channel is not None:
        values["channel"] = outcome.channel
    if outcome.state in {PlanState.SENT, PlanState.DELIVERED}:
        values["sent_at"] = func.coalesce(PlannedMessage.sent_at, now)
    async with database.write_session() as session, session.begin():
        await session.execute(update(PlannedMessage).where(PlannedMessage.id == row_id).values(**values))


async def defer(
    database: Database, row_id: int, due_at: datetime, now: datetime, *, reason: str | None = None
) -> None:
    """Put a claimed message back for later (quiet hours, a working day, a bank holiday)."""
    async with database.write_session() as session, session.begin():
        await session.execute(
            update(PlannedMessage)
            .where(PlannedMessage.id == row_id)
            .values(due_at=due_at, claimed_until=None, updated_at=now, reason=reason)
        )
