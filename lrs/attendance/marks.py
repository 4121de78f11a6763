"""Recording marks: deterministic ids per revision, voiding the superseded mark, idempotent re-submission.

A learner's marks for a session are revisions 0, 1, 2, ... with ids `mark_statement_id(session, email,
revision)`. The current mark is the highest revision stored. Marking again with the same content does
nothing; a different mark stores the next revision and voids the current one in the same transaction,
so the statement history says what was recorded, when, and what replaced it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lrs.attendance.statements import (
    SOURCE_EXTENSION,
    AttendanceMark,
    MarkSource,
    attendance_statement,
    mark_statement_id,
    normal_email,
    voiding_statement,
)
from lrs.clock import Clock
from lrs.programme.model import Session
from lrs.statement_service import record_statements
from lrs.storage.engine import Database
from lrs.storage.models import Statement
from lrs.storage.statements import Writer, load_statements_by_id
from lrs.xapi.equivalence import statements_equivalent
from lrs.xapi.statements import validate_statement

XAPI_VERSION = "1.0.3"  # every property used is in 1.0.3, so every client can read these statements
_WINDOW = 8  # revisions looked up per query; a learner re-marked more often costs another query


class MarkAction(enum.StrEnum):
    RECORDED = "recorded"  # the learner's first mark (or the first after an external void)
    CHANGED = "changed"  # a new revision; the previous mark is voided
    UNCHANGED = "unchanged"  # the same mark again: nothing stored
    KEPT = "kept"  # a Teams report does not overrule a facilitator's mark


@dataclass(frozen=True)
class CurrentMark:
    revision: int
    statement_id: str
    statement: dict[str, Any]
    voided: bool

    @property
    def source(self) -> MarkSource | None:
        extensions = (self.statement.get("context") or {}).get("extensions") or {}
        value = extensions.get(SOURCE_EXTENSION)
        return (
            MarkSource(value) if isinstance(value, str) and value in MarkSource._value2member_map_ else None
        )


@dataclass(frozen=True)
class MarkOutcome:
    email: str
    action: MarkAction
    statement_id: str  # the learner's current mark statement after this call
    voided_id: str | None = None


async def current_marks(
    database: Database, session: Session, emails: Iterable[str]
) -> dict[str, CurrentMark]:
    """Each learner's latest mark revision for `session` (voided or not); learners never marked are absent."""
    latest: dict[str, tuple[int, str, bool]] = {}
    pending, start = sorted({normal_email(email) for email in emails}), 0
    async with database.read_session() as db:
        while pending:
            ids = {
                mark_statement_id(session, email, revision): (email, revision)
                for email in pending
                for revision in range(start, start + _WINDOW)
            }
            rows = await db.execute(
                select(Statement.statement_id, Statement.voided).where(Statement.statement_id.in_(list(ids)))
            )
            full: set[str] = set()
            for statement_id, voided in rows:
                email, revision = ids[statement_id]
                if revision >= latest.get(email, (-1, "", False))[0]:
                    latest[email] = (revision, statement_id, bool(voided))
                if revision == start + _WINDOW - 1:
                    full.add(email)
            pending, start = sorted(full), start + _WINDOW
        bodies = await load_statements_by_id(db, [statement_id for _, statement_id, _ in latest.values()])
    return {
        email: CurrentMark(revision, statement_id, bodies[statement_id], voided)
        for email, (revision, statement_id, voided) in latest.items()
    }


async def record_marks(
    database: Database,
    session: Session,
    marks: Sequence[AttendanceMark],
    *,
    writer: Writer,
    clock: Clock,
) -> list[MarkOutcome]:
    """Store what changed among `marks` (one transaction) and say what happened to each."""
    current = await current_marks(database, session, (mark.learner.email for mark in marks))
    statements: list[dict[str, Any]] = []
    outcomes = []
    for mark in marks:
        outcome, new = _plan_mark(
            session, mark, current.get(normal_email(mark.learner.email)), writer.authority
        )
        outcomes.append(outcome)
        statements.extend(new)
    if statements:
        validated = [validate_statement(item, version=XAPI_VERSION) for item in statements]
        await record_statements(database, validated, writer=writer, clock=clock, version=XAPI_VERSION)
    return outcomes


def _plan_mark(
    session: Session, mark: AttendanceMark, current: CurrentMark | None, lrs_agent: Mapping[str, Any]
) -> tuple[MarkOutcome, list[dict[str, Any]]]:
    email = normal_email(mark.learner.email)
    if current is None:
        statement_id = mark_statement_id(session, email, 0)
        return MarkOutcome(email, MarkAction.RECORDED, statement_id), [
            attendance_statement(session, mark, statement_id=statement_id)
        ]
    if not current.voided:
        same = attendance_statement(session, mark, statement_id=current.statement_id)
        if statements_equivalent(current.statement, same):
            return MarkOutcome(email, MarkAction.UNCHANGED, current.statement_id), []
        if mark.source is MarkSource.TEAMS and current.source is not None and current.source.is_facilitator:
            return MarkOutcome(email, MarkAction.KEPT, current.statement_id), []
    statement_id = mark_statement_id(session, email, current.revision + 1)
    statement = attendance_statement(session, mark, statement_id=statement_id)
    if current.voided:  # voided from outside (an administrator's voiding statement): just mark again
        return MarkOutcome(email, MarkAction.RECORDED, statement_id), [statement]
    actor = mark.instructor.agent() if mark.instructor else lrs_agent
    void = voiding_statement(current.statement_id, actor)
    return MarkOutcome(email, MarkAction.CHANGED, statement_id, current.statement_id), [statement, void]
