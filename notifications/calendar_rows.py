"""A cohort's calendar written set-wise: a few statements per calendar entry (`timeline.CalendarEntry`)
for all the learners it goes to, whatever the cohort's size.

For each entry one UPDATE moves the open rows (planned, cancelled or throttled) whose time or content
differ, or that a change had removed; one INSERT ... SELECT adds the entry for each learner without a
row for it; one UPDATE cancels the planned rows of learners it no longer goes to. Keys and contexts are
made in SQL from the learner's id (a reminder's context is one text; an invitation's is the text around
its learner's id), so nothing is built per learner in Python. A learner's new rows are inserted entry by
entry, so their ids keep the calendar's order; and one entry's rows lie side by side, so the next change
to it rewrites a few pages rather than one per learner.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, String, Table, literal, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.base import UtcDateTime, dialect_name, insert_ignoring_conflicts
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import EnrolmentRow, LearnerRow
from notifications.keys import learner_key_parts
from notifications.rules import RULE_CATEGORIES
from notifications.schedule import OPEN_STATES, REMOVED_REASON, PlanState, due_after, state_is
from notifications.timeline import CalendarEntry

_COLUMNS = ("key", "rule", "category", "programme_id", "cohort_id", "learner_id", "occurrence", "due_at",
            "state", "context", "created_at", "updated_at")  # fmt: skip


class CohortRows:
    """The planned rows of one cohort's calendar, written inside the caller's session."""

    def __init__(self, session: AsyncSession, programme_id: str, cohort_id: str, now: datetime) -> None:
        self.session, self.programme_id, self.cohort_id, self.now = session, programme_id, cohort_id, now
        self._learners: list[tuple[int, str]] | None = None  # read once if a session expects only some

    async def write(self, entry: CalendarEntry) -> int:
        """Bring the entry's rows in line with it; return how many rows changed."""
        audience = await self._audience(entry)
        texts = _EntryTexts(entry, self.cohort_id)
        changed = await self._count(self._moved(entry, audience, texts))
        changed += await self._count(self._added(entry, audience, texts))
        return changed + await self._count(self._no_longer_theirs(entry, audience, texts))

    async def cancel(self, rule: str, occurrences: Collection[str], *, all_but: bool = False) -> int:
        """Cancel the planned future rows of `rule` for these occurrences (for all others: `all_but`)."""
        if not occurrences and not all_but:
            return 0
        chosen = sorted(occurrences)
        column = _table().c.occurrence
        return await self._count(
            self._cancel_where(column.not_in(chosen) if all_but else column.in_(chosen), rule=rule)
        )

    async def _audience(self, entry: CalendarEntry) -> Select[int]:
        """The ids of the enrolled learners the entry goes to."""
        enrolled = (
            select(EnrolmentRow.learner_id)
            .join(LearnerRow, LearnerRow.id == EnrolmentRow.learner_id)
            .where(EnrolmentRow.cohort_id == self.cohort_id, EnrolmentRow.status == "enrolled")
        )
        if entry.session is None or entry.session.expected_attendees is None:
            return enrolled
        if self._learners is None:
            self._learners = [(row[0], row[1]) for row in await self.session.execute(
                select(LearnerRow.id, LearnerRow.email).where(LearnerRow.id.in_(enrolled))
            )]  # fmt: skip
        chosen = sorted(learner_id for learner_id, email in self._learners if entry.goes_to(email))
        return enrolled.where(EnrolmentRow.learner_id.in_(chosen))

    def _moved(self, entry: CalendarEntry, audience: Select[int], texts: _EntryTexts) -> Any:
        table = _table()
        context = texts.context(table.c.learner_id)
        return (
            update(table)
            .where(
                *self._entry_rows(entry, audience, texts),
                state_is(*OPEN_STATES),
                or_(
                    table.c.due_at != entry.due_at,
                    table.c.context != context,
                    table.c.reason == REMOVED_REASON,
                ),
            )
            .values(due_at=entry.due_at, context=context, updated_at=self.now, state=PlanState.PLANNED.value,
                    reason=None)
        )  # fmt: skip

    def _added(self, entry: CalendarEntry, audience: Select[int], texts: _EntryTexts) -> Any:
        learners = audience.subquery()
        learner = learners.c.learner_id
        category = RULE_CATEGORIES[entry.rule].value
        at, now = literal(entry.due_at, UtcDateTime()), literal(self.now, UtcDateTime())
        table = _table()
        has_one = (
            select(table.c.id)
            .where(table.c.cohort_id == self.cohort_id, table.c.occurrence == entry.occurrence,
                   table.c.learner_id == learner, table.c.rule == entry.rule)
            .exists()
        )  # fmt: skip
        rows = (
            select(
                texts.key(learner), literal(entry.rule), literal(category), literal(self.programme_id),
                literal(self.cohort_id), learner, literal(entry.occurrence), at,
                literal(PlanState.PLANNED.value), texts.context(learner), now, now,
            )
            .where(~has_one)
            .order_by(learner)
        )  # fmt: skip
        adding = insert_ignoring_conflicts(dialect_name(self.session), PlannedMessage)
        return adding.from_select(list(_COLUMNS), rows)

    def _no_longer_theirs(self, entry: CalendarEntry, audience: Select[int], texts: _EntryTexts) -> Any:
        table = _table()
        not_theirs = or_(
            table.c.learner_id.is_(None),
            table.c.learner_id.not_in(audience),
            table.c.key != texts.key(table.c.learner_id),
        )
        return self._cancel_where(table.c.occurrence == entry.occurrence, not_theirs, rule=entry.rule)

    def _entry_rows(
        self, entry: CalendarEntry, audience: Select[int], texts: _EntryTexts
    ) -> list[ColumnElement[bool]]:
        table = _table()
        return [
            table.c.cohort_id == self.cohort_id,
            table.c.occurrence == entry.occurrence,
            table.c.rule == entry.rule,
            table.c.learner_id.in_(audience),
            table.c.key == texts.key(table.c.learner_id),
        ]

    def _cancel_where(self, *where: ColumnElement[bool], rule: str) -> Any:
        table = _table()
        return (
            update(table)
            .where(
                table.c.cohort_id == self.cohort_id,
                table.c.rule == rule,
                *where,
                state_is(PlanState.PLANNED),
                due_after(self.now),
            )
            .values(state=PlanState.CANCELLED.value, reason=REMOVED_REASON, updated_at=self.now)
        )

    async def _count(self, statement: Any) -> int:
        connection = await self.session.connection()  # core: no ORM synchronisation of the session
        result = await connection.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)


class _EntryTexts:
    """An entry's key and stored context as SQL expressions of the learner's id."""

    def __init__(self, entry: CalendarEntry, cohort_id: str) -> None:
        self._key = learner_key_parts(entry.rule, cohort_id, entry.occurrence)
        self._context = _context_parts(entry, cohort_id)

    def key(self, learner_id: ColumnElement[Any]) -> ColumnElement[str]:
        return _around(self._key, learner_id)

    def context(self, learner_id: ColumnElement[Any]) -> ColumnElement[str]:
        if isinstance(self._context, str):
            return literal(self._context)
        return _around(self._context, learner_id)


def _around(parts: tuple[str, str], learner_id: ColumnElement[Any]) -> ColumnElement[str]:
    text: ColumnElement[str] = literal(parts[0]) + sql_cast(learner_id, String) + literal(parts[1])
    return text


def _context_parts(entry: CalendarEntry, cohort_id: str) -> str | tuple[str, str]:
    """The stored JSON of the entry's context, or (for an invitation) the text before and after its
    learner's id: the texts for learners 0 and 1 differ in exactly that one character."""
    first, second = (
        json.dumps(dict(entry.context_for(cohort_id, learner_id)), sort_keys=True) for learner_id in (0, 1)
    )
    if first == second:
        return first
    at = next(index for index, (a, b) in enumerate(zip(first, second, strict=True)) if a != b)
    if first[at + 1 :] != second[at + 1 :]:
        raise ValueError(f"the context of {entry.rule} {entry.occurrence} names its learner more than once")
    return first[:at], first[at + 1 :]


def _table() -> Table:
    return cast(Table, PlannedMessage.__table__)
