"""The durable schedule: plan, move and cancel `planned_messages` rows inside a caller's session.

Listeners call these in the event's transaction. `plan` is idempotent by key: planning the same
occurrence again moves a planned (or cancelled) message to its new time and leaves a message that has
already gone out alone, so re-planning after a programme change never sends anything twice.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.planned_message_models import PlannedMessage
from notifications.keys import planned_key
from notifications.rules import RULE_CATEGORIES


class PlanState(enum.StrEnum):
    PLANNED = "planned"
    SENT = "sent"  # handed to the delivery log; retries pending there
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    THROTTLED = "throttled"  # over the nudge cap, waiting to be folded
    FOLDED = "folded"  # went out inside another message (a catch-up digest)
    FAILED = "failed"
    DEAD = "dead"


OPEN_STATES = frozenset({PlanState.PLANNED, PlanState.CANCELLED, PlanState.THROTTLED})


@dataclass(frozen=True)
class PlanItem:
    rule: str
    programme_id: str
    cohort_id: str
    learner_id: int | None
    occurrence: str
    due_at: datetime
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return planned_key(self.rule, self.cohort_id, self.learner_id, self.occurrence)


async def plan(session: AsyncSession, items: Collection[PlanItem], now: datetime) -> int:
    """Create or move the messages; return how many rows changed."""
    if not items:
        return 0
    by_key = {item.key: item for item in items}
    found = await session.scalars(select(PlannedMessage).where(PlannedMessage.key.in_(list(by_key))))
    existing = {row.key: row for row in found}
    changed = 0
    for key, item in by_key.items():
        row = existing.get(key)
        if row is None:
            session.add(_new_row(item, now))
            changed += 1
        elif PlanState(row.state) in OPEN_STATES and _differs(row, item):
            row.due_at, row.context = item.due_at, _context(item)
            row.state, row.reason, row.updated_at = PlanState.PLANNED.value, None, now
            changed += 1
    return changed


async def cancel(
    session: AsyncSession,
    *,
    cohort_id: str,
    reason: str,
    now: datetime,
    learner_id: int | None = None,
    rules: Collection[str] = (),
    occurrences: Collection[str] = (),
    except_keys: Collection[str] = (),
    due_after: datetime | None = None,
) -> int:
    """Cancel the planned messages that match; return how many."""
    query = update(PlannedMessage).where(
        PlannedMessage.cohort_id == cohort_id, PlannedMessage.state == PlanState.PLANNED.value
    )
    if learner_id is not None:
        query = query.where(PlannedMessage.learner_id == learner_id)
    if rules:
        query = query.where(PlannedMessage.rule.in_(list(rules)))
    if occurrences:
        query = query.where(PlannedMessage.occurrence.in_(list(occurrences)))
    if due_after is not None:
        query = query.where(PlannedMessage.due_at > due_after)
    if except_keys:
        query = query.where(PlannedMessage.key.not_in(list(except_keys)))
    result = await session.execute(
        query.values(state=PlanState.CANCELLED.value, reason=reason, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _new_row(item: PlanItem, now: datetime) -> PlannedMessage:
    return PlannedMessage(
        key=item.key,
        rule=item.rule,
        category=RULE_CATEGORIES[item.rule].value,
        programme_id=item.programme_id,
        cohort_id=item.cohort_id,
        learner_id=item.learner_id,
        occurrence=item.occurrence,
        due_at=item.due_at,
        state=PlanState.PLANNED.value,
        context=_context(item),
        created_at=now,
        updated_at=now,
    )


def _context(item: PlanItem) -> str:
    return json.dumps(dict(item.context), sort_keys=True)


def _differs(row: PlannedMessage, item: PlanItem) -> bool:
    return row.state != PlanState.PLANNED.value or row.due_at != item.due_at or row.context != _context(item)
