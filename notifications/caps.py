"""The nudge cap: at most N nudges per learner per rolling window (default 2 in 7 days).

Only category "nudge" counts and is capped; invitations, reminders, updates and congratulations never
are. A nudge over the cap is throttled, and a catch-up digest is planned for the moment the window
has room again; the digest folds every throttled nudge of the learner into one short message, so none
is silently dropped. The digest itself is exempt from the cap (it is the fold).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

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
    if not _capped(row):
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


class NudgeTally:
    """The cap for a whole batch: each learner's nudges in the window, counted in one query per
    distinct window, plus the ones the batch itself sends (`record`), so `decision` answers what
    `cap_decision` would after each earlier message of the batch went out."""

    def __init__(self, counts: Mapping[tuple[int, timedelta], int], windows: Iterable[timedelta]) -> None:
        self._counts = dict(counts)
        self._windows = set(windows)

    @classmethod
    async def load(
        cls, session: AsyncSession, rows: Sequence[tuple[PlannedMessage, NotificationRules]], now: datetime
    ) -> NudgeTally:
        learners_by_window: dict[timedelta, set[int]] = {}
        for row, rules in rows:
            if _capped(row):
                learners_by_window.setdefault(rules.cap_window, set()).add(row.learner_id or 0)
        counts: dict[tuple[int, timedelta], int] = {}
        for window, learners in learners_by_window.items():
            found = await session.execute(
                select(PlannedMessage.learner_id, func.count())
                .where(
                    PlannedMessage.learner_id.in_(sorted(learners)),
                    PlannedMessage.category == Category.NUDGE.value,
                    PlannedMessage.state.in_(COUNTED_STATES),
                    PlannedMessage.sent_at > now - window,
                )
                .group_by(PlannedMessage.learner_id)
            )
            counts.update({(learner or 0, window): count for learner, count in found})
        return cls(counts, learners_by_window)

    def decision(self, row: PlannedMessage, rules: NotificationRules) -> str | None:
        if not _capped(row) or self._counts.get((row.learner_id or 0, rules.cap_window), 0) < rules.nudge_cap:
            return None
        return f"over the cap of {rules.nudge_cap} nudges in {rules.cap_window.days} days"

    def record(self, row: PlannedMessage) -> None:
        """`row` went out (sent or delivered): it counts toward the learner's cap, in every window."""
        if row.category == Category.NUDGE.value and row.learner_id is not None:
            for window in self._windows:
                key = (row.learner_id, window)
                self._counts[key] = self._counts.get(key, 0) + 1


def _capped(row: PlannedMessage) -> bool:
    return row.category == Category.NUDGE.value and row.rule != DIGEST_RULE and row.learner_id is not None
