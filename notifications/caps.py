"""The nudge cap: at most N nudges per learner per rolling window (default 2 in 7 days).

Only category "nudge" counts and is capped; invitations, reminders, updates and congratulations never
are. A nudge over the cap is throttled, and a catch-up digest is planned for the moment the window
has room again; the digest folds every throttled nudge of the learner into one short message, so none
is silently dropped. The digest itself is exempt from the cap (it is the fold).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.claims import COUNTED_STATES
from notifications.rules import Category, NotificationRules
from notifications.schedule import PlanItem, PlanState, plan

DIGEST_RULE = "catch_up_digest"


async def cap_decision(
    session: AsyncSession, row: PlannedMessage, rules: NotificationRules, now: datetime
) -> str | None:
    """The reason to throttle `row`, or None when it may go."""
    if row.category != Category.NUDGE.value or row.rule == DIGEST_RULE or row.learner_id is None:
        return None
    sent = await session.scalar(
        select(func.count())
        .select_from(PlannedMessage)
        .where(
            PlannedMessage.learner_id == row.learner_id,
            PlannedMessage.category == Category.NUDGE.value,
            PlannedMessage.state.in_(COUNTED_STATES),
            PlannedMessage.sent_at > now - rules.cap_window,
        )
    )
    if (sent or 0) < rules.nudge_cap:
        return None
    return f"over the cap of {rules.nudge_cap} nudges in {rules.cap_window.days} days"


async def plan_catch_up(
    database: Database, row: PlannedMessage, rules: NotificationRules, now: datetime
) -> None:
    """Plan (or keep) the learner's next catch-up digest: when the oldest counted nudge leaves the window."""
    async with database.write_session() as session, session.begin():
        oldest = await session.scalar(
            select(func.min(PlannedMessage.sent_at)).where(
                PlannedMessage.learner_id == row.learner_id,
                PlannedMessage.category == Category.NUDGE.value,
                PlannedMessage.state.in_(COUNTED_STATES),
                PlannedMessage.sent_at > now - rules.cap_window,
            )
        )
        due = (oldest or now) + rules.cap_window
        item = PlanItem(
            DIGEST_RULE, row.programme_id, row.cohort_id, row.learner_id, f"after:{due.date()}", due
        )
        await plan(session, [item], now)


async def folded_nudges(session: AsyncSession, digest: PlannedMessage) -> list[PlannedMessage]:
    """The throttled nudges the digest folds (what `mark_folded` marks once it is sent)."""
    return await _throttled(session, digest)


async def mark_folded(database: Database, digest: PlannedMessage, now: datetime) -> int:
    async with database.write_session() as session, session.begin():
        rows = await _throttled(session, digest)
        if rows:
            await session.execute(
                update(PlannedMessage)
                .where(PlannedMessage.id.in_([row.id for row in rows]))
                .values(state=PlanState.FOLDED.value, reason=f"folded into {digest.key}", updated_at=now)
            )
    return len(rows)


async def _throttled(session: AsyncSession, digest: PlannedMessage) -> list[PlannedMessage]:
    found = await session.scalars(
        select(PlannedMessage)
        .where(
            PlannedMessage.learner_id == digest.learner_id,
            PlannedMessage.cohort_id == digest.cohort_id,
            PlannedMessage.state == PlanState.THROTTLED.value,
        )
        .order_by(PlannedMessage.due_at, PlannedMessage.id)
    )
    return list(found)
