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
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
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


REMOVED_REASON = "no longer in the programme (changed)"  # planning it again brings it back
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
    """Create or move the messages; return how many rows changed. A cancelled or throttled message
    comes back only when its time or content changed (or the programme had dropped it). Two
    statements per 500 items at most: one look-up of what exists, a bulk insert and a bulk update."""
    by_key = {item.key: item for item in items}
    keys = list(by_key)
    changed = 0
    for offset in range(0, len(keys), _CHUNK):
        changed += await _plan_chunk(session, [by_key[key] for key in keys[offset : offset + _CHUNK]], now)
    return changed


_CHUNK = 500


async def _plan_chunk(session: AsyncSession, items: list[PlanItem], now: datetime) -> int:
    found = await session.execute(
        select(
            PlannedMessage.id,
            PlannedMessage.key,
            PlannedMessage.state,
            PlannedMessage.due_at,
            PlannedMessage.context,
            PlannedMessage.reason,
        ).where(PlannedMessage.key.in_([item.key for item in items]))
    )
    existing = {row.key: row for row in found}
    new_rows = [_new_values(item, now) for item in items if item.key not in existing]
    moved = []
    for item in items:
        row = existing.get(item.key)
        if row is None or PlanState(row.state) not in OPEN_STATES:
            continue
        context = _context(item)
        changed = row.due_at != item.due_at or row.context != context
        if changed or row.reason == REMOVED_REASON:
            moved.append({"row_id": row.id, "due_at": item.due_at, "context": context, "updated_at": now})
    if new_rows:
        await session.execute(insert(PlannedMessage), new_rows)
    if moved:
        table = cast(Table, PlannedMessage.__table__)
        connection = await session.connection()  # core executemany: one statement for every moved row
        await connection.execute(
            table.update()
            .where(table.c.id == bindparam("row_id"))
            .values(
                due_at=bindparam("due_at"),
                context=bindparam("context"),
                updated_at=bindparam("updated_at"),
                state=PlanState.PLANNED.value,
                reason=None,
            ),
            moved,
        )
    return len(new_rows) + len(moved)


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


def _new_values(item: PlanItem, now: datetime) -> dict[str, Any]:
    return {
        "key": item.key,
        "rule": item.rule,
        "category": RULE_CATEGORIES[item.rule].value,
        "programme_id": item.programme_id,
        "cohort_id": item.cohort_id,
        "learner_id": item.learner_id,
        "occurrence": item.occurrence,
        "due_at": item.due_at,
        "state": PlanState.PLANNED.value,
        "context": _context(item),
        "created_at": now,
        "updated_at": now,
    }


def _context(item: PlanItem) -> str:
    return json.dumps(dict(item.context), sort_keys=True)
