"""The durable schedule: plan, move and cancel `planned_messages` rows inside a caller's session.

Listeners call these in the event's transaction. `plan` is idempotent by key: planning the same
occurrence again moves a planned (or cancelled) message to its new time and leaves a message that has
already gone out alone, so re-planning after a programme change never sends anything twice.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, bindparam, func, insert, or_, select, update
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


# What `existing_rows` reads of a planned message: id, key, rule, occurrence, state, due_at, context, reason.
ExistingRow = Row[int, str, str, str, str, datetime, str, str | None]
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

    @cached_property
    def key(self) -> str:
        return planned_key(self.rule, self.cohort_id, self.learner_id, self.occurrence)


async def plan(session: AsyncSession, items: Collection[PlanItem], now: datetime) -> int:
    """Create or move the messages; return how many rows changed. A cancelled or throttled message
    comes back only when its time or content changed (or the programme had dropped it). Per 500 items
    at most one look-up of what exists, a bulk insert and a few set-wise updates."""
    by_key = {item.key: item for item in items}
    keys = list(by_key)
    changed = 0
    for offset in range(0, len(keys), _CHUNK):
        chunk = [by_key[key] for key in keys[offset : offset + _CHUNK]]
        existing = await existing_rows(session, PlannedMessage.key.in_([item.key for item in chunk]))
        changed += await apply(session, chunk, existing, now)
    return changed


_CHUNK = 500


async def existing_rows(session: AsyncSession, *where: ColumnElement[bool]) -> dict[str, ExistingRow]:
    """The rows that match, by key: what `apply` needs to decide (one query)."""
    found = await session.execute(
        select(
            PlannedMessage.id,
            PlannedMessage.key,
            PlannedMessage.rule,
            PlannedMessage.occurrence,
            PlannedMessage.state,
            PlannedMessage.due_at,
            PlannedMessage.context,
            PlannedMessage.reason,
        ).where(*where)
    )
    return {row.key: row for row in found}


async def apply(
    session: AsyncSession, items: Collection[PlanItem], existing: Mapping[str, ExistingRow], now: datetime
) -> int:
    """Plan `items` given the rows that already exist for them (`existing_rows`): insert the new ones
    in bulk, move the changed ones set-wise (one statement per new time and content)."""
    by_key = {item.key: item for item in items}
    texts = _ContextTexts()
    new_rows = [_new_values(item, texts(item), now) for key, item in by_key.items() if key not in existing]
    moved: dict[tuple[datetime, str], list[int]] = {}
    for key, item in by_key.items():
        row = existing.get(key)
        if row is None or PlanState(row.state) not in OPEN_STATES:
            continue
        context = texts(item)
        if row.due_at != item.due_at or row.context != context or row.reason == REMOVED_REASON:
            moved.setdefault((item.due_at, context), []).append(row.id)
    if new_rows:
        connection = await session.connection()  # core insert: the ORM would read back every new id
        for offset in range(0, len(new_rows), _INSERT_CHUNK):
            await connection.execute(insert(_table()), new_rows[offset : offset + _INSERT_CHUNK])
    await _move(session, moved, now)
    return len(new_rows) + sum(len(ids) for ids in moved.values())


_INSERT_CHUNK = 5000


async def _move(
    session: AsyncSession, moved: Mapping[tuple[datetime, str], list[int]], now: datetime
) -> None:
    """Rows sharing a new time and content (the same reminder of every learner) move in one statement;
    the rest (an invitation's content names its learner) in one executemany."""
    single = [(ids[0], due, context) for (due, context), ids in moved.items() if len(ids) == 1]
    for (due, context), ids in moved.items():
        for offset in range(0, len(ids) if len(ids) > 1 else 0, _CHUNK):
            await session.execute(
                update(PlannedMessage)
                .where(PlannedMessage.id.in_(ids[offset : offset + _CHUNK]), _is_open())
                .values(
                    due_at=due, context=context, updated_at=now, state=PlanState.PLANNED.value, reason=None
                )
            )
    if single:
        table = _table()
        connection = await session.connection()  # core executemany: one statement for every row
        await connection.execute(
            table.update()
            .where(table.c.id == bindparam("row_id"), _is_open())
            .values(
                due_at=bindparam("due_at"),
                context=bindparam("context"),
                updated_at=now,
                state=PlanState.PLANNED.value,
                reason=None,
            ),
            [{"row_id": row_id, "due_at": due, "context": context} for row_id, due, context in single],
        )


def _table() -> Table:
    return cast(Table, PlannedMessage.__table__)


def _is_open() -> ColumnElement[bool]:
    return state_is(*OPEN_STATES)


def state_is(*states: PlanState) -> ColumnElement[bool]:
    """The row's state is still one of `states` (a guard on rows looked up by id). Written on an
    expression and without IN: a bare `state = ?` makes SQLite scan the (state, due_at) index instead
    of looking the ids up, and an executemany cannot expand an IN list."""
    current = func.coalesce(PlannedMessage.state, "")
    return or_(*(current == state.value for state in sorted(states)))


def due_after(moment: datetime) -> ColumnElement[bool]:
    """The row is due after `moment` (a guard on rows looked up by cohort and occurrence). Written on
    an expression for the same reason as `state_is`: a bare `due_at > ?` makes SQLite walk the
    cohort's (cohort_id, due_at) index, every future row of the cohort, instead of the occurrence's."""
    return func.coalesce(PlannedMessage.due_at, moment) > moment


async def cancel_rows(session: AsyncSession, ids: Sequence[int], *, reason: str, now: datetime) -> int:
    """Cancel these planned messages (those still planned); return how many."""
    cancelled = 0
    for offset in range(0, len(ids), _CHUNK):
        result = await session.execute(
            update(PlannedMessage)
            .where(PlannedMessage.id.in_(list(ids[offset : offset + _CHUNK])), state_is(PlanState.PLANNED))
            .values(state=PlanState.CANCELLED.value, reason=reason, updated_at=now)
        )
        cancelled += int(getattr(result, "rowcount", 0) or 0)
    return cancelled


async def cancel(
    session: AsyncSession,
    *,
    cohort_id: str,
    reason: str,
    now: datetime,
    learner_id: int | None = None,
    learner_ids: Collection[int] = (),
    rules: Collection[str] = (),
    occurrences: Collection[str] = (),
    except_keys: Collection[str] = (),
    due_after: datetime | None = None,
) -> int:
    """Cancel the planned messages that match (of `learner_id`, or of any of `learner_ids`: one
    statement for a group of learners); return how many."""
    query = update(PlannedMessage).where(PlannedMessage.cohort_id == cohort_id, state_is(PlanState.PLANNED))
    if learner_id is not None:
        query = query.where(PlannedMessage.learner_id == learner_id)
    if learner_ids:
        query = query.where(PlannedMessage.learner_id.in_(sorted(set(learner_ids))))
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


def _new_values(item: PlanItem, context: str, now: datetime) -> dict[str, Any]:
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
        "context": context,
        "created_at": now,
        "updated_at": now,
    }


class _ContextTexts:
    """The stored JSON of each item's context, written once per context: a cohort's calendar shares one
    context among all its learners' items (`apply` holds the items, so an id is not reused meanwhile)."""

    def __init__(self) -> None:
        self._texts: dict[int, str] = {}

    def __call__(self, item: PlanItem) -> str:
        text = self._texts.get(id(item.context))
        if text is None:
            text = self._texts[id(item.context)] = json.dumps(dict(item.context), sort_keys=True)
        return text
