"""Re-check a planned message's reason just before it is sent.

The answer is None when the message should still go, else the reason it is cancelled (the learner
withdrew, the module is satisfied, the session moved or was removed, the learner declined, ...).
`reason_gone` decides one message; `reasons_gone_for` decides a whole batch the same way in a few
queries (the sender uses it for what it claims at once).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme, Session
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import EnrolmentRow, LearnerRow
from lrs.storage.progress_models import ProgressLearner, ProgressRecord
from notifications.rsvp_state import rsvp_state, rsvp_states

SESSION_RULES = {"session_reminder", "session_invite", "missed_session", "review_day_invite"}
MODULE_RULES = {"module_due", "module_overdue"}


async def reason_gone(session: AsyncSession, row: PlannedMessage, programme: Programme) -> str | None:
    context: dict[str, Any] = json.loads(row.context)
    if row.learner_id is None or context.get("cancelled"):
        return None  # a channel post, or the CANCEL of an invitation: it goes whatever changed
    erased = await session.scalar(select(LearnerRow.erased_at).where(LearnerRow.id == row.learner_id))
    if erased is not None:
        return "the learner's data was erased"
    status = await session.scalar(
        select(EnrolmentRow.status).where(
            EnrolmentRow.learner_id == row.learner_id, EnrolmentRow.cohort_id == row.cohort_id
        )
    )
    if status != "enrolled":
        return "the learner withdrew"
    if row.rule in MODULE_RULES:
        return await _module_reason(session, row, programme, context["module_id"])
    if row.rule in SESSION_RULES:
        return await _session_reason(session, row, programme, context)
    if row.rule == "inactivity":
        return await _inactivity_reason(session, row, context)
    return None


async def _module_reason(
    session: AsyncSession, row: PlannedMessage, programme: Programme, module_id: str
) -> str | None:
    if module_id not in {module.id for module in programme.modules}:
        return f"module {module_id} was removed"
    satisfied = await session.scalar(
        select(ProgressRecord.satisfied_at).where(
            ProgressRecord.learner_id == row.learner_id,
            ProgressRecord.cohort_id == row.cohort_id,
            ProgressRecord.item_kind == "module",
            ProgressRecord.item_id == module_id,
        )
    )
    return f"module {module_id} is satisfied" if satisfied is not None else None


async def _session_reason(
    session: AsyncSession, row: PlannedMessage, programme: Programme, context: dict[str, Any]
) -> str | None:
    found = _session(programme, context["session_id"])
    if found is None or found.cohort != row.cohort_id:
        return f"session {context['session_id']} was removed"
    if row.rule == "missed_session":
        return await _attended_after_all(session, row, found)
    if "starts_at" in context and datetime.fromisoformat(context["starts_at"]) != found.start:
        return f"session {found.id} moved"
    declined = row.rule == "session_reminder" and row.learner_id is not None
    if declined and await rsvp_state(session, row.learner_id or 0, found.activity_iri) == "declined":
        return "the learner declined the invitation"
    return None


async def _attended_after_all(session: AsyncSession, row: PlannedMessage, found: Session) -> str | None:
    status = await session.scalar(
        select(ProgressRecord.status).where(
            ProgressRecord.learner_id == row.learner_id,
            ProgressRecord.cohort_id == row.cohort_id,
            ProgressRecord.item_kind == "session",
            ProgressRecord.item_id == found.id,
        )
    )
    return f"the learner attended session {found.id} after all" if status == "attended" else None


async def _inactivity_reason(
    session: AsyncSession, row: PlannedMessage, context: dict[str, Any]
) -> str | None:
    last = await session.scalar(
        select(ProgressLearner.last_activity_at).where(
            ProgressLearner.learner_id == row.learner_id, ProgressLearner.cohort_id == row.cohort_id
        )
    )
    if last is not None and last > datetime.fromisoformat(context["last_activity_at"]):
        return "the learner is active again"
    return None


def _session(programme: Programme, session_id: str) -> Session | None:
    return next((item for item in programme.sessions if item.id == session_id), None)


# --- The same decisions for a whole batch of claimed messages, in at most six queries ---------------


@dataclass(frozen=True)
class _AskRsvp:
    """The decision waits for the learner's answer to this session's invitation."""

    pair: tuple[int, str]


class _Known:
    """A programme's sessions and modules by id, for deciding a batch's rows."""

    def __init__(self, programme: Programme) -> None:
        self.sessions = {item.id: item for item in reversed(programme.sessions)}  # the first of an id wins
        self.modules = {module.id for module in programme.modules}


@dataclass
class _Facts:
    """What the rows' decisions read, loaded for all of them at once."""

    erased: set[int] = field(default_factory=set)
    enrolments: dict[tuple[int, str], str] = field(default_factory=dict)
    progress: dict[tuple[int, str, str, str], tuple[datetime | None, str]] = field(default_factory=dict)
    last_activity: dict[tuple[int, str], datetime | None] = field(default_factory=dict)


async def reasons_gone_for(
    session: AsyncSession, rows: Sequence[PlannedMessage], programmes: Mapping[str, Programme]
) -> dict[int, str | None]:
    """`reason_gone` of every row (by id), in at most six queries whatever the number of rows:
    erasures, enrolments, progress, latest activity, then the RSVP answers the reminders need."""
    contexts = {row.id: json.loads(row.context) for row in rows}
    facts = await _load_facts(session, rows, contexts)
    known = {programme_id: _Known(programme) for programme_id, programme in programmes.items()}
    answers = {row.id: _decide(row, contexts[row.id], known[row.programme_id], facts) for row in rows}
    asked = {answer.pair for answer in answers.values() if isinstance(answer, _AskRsvp)}
    states = await rsvp_states(session, asked)
    return {
        row_id: (_declined(states[answer.pair]) if isinstance(answer, _AskRsvp) else answer)
        for row_id, answer in answers.items()
    }


def _declined(state: str) -> str | None:
    return "the learner declined the invitation" if state == "declined" else None


async def _load_facts(
    session: AsyncSession, rows: Sequence[PlannedMessage], contexts: Mapping[int, dict[str, Any]]
) -> _Facts:
    asking = [row for row in rows if row.learner_id is not None and not contexts[row.id].get("cancelled")]
    learners = sorted({row.learner_id for row in asking if row.learner_id is not None})
    if not learners:
        return _Facts()
    erased = select(LearnerRow.id).where(LearnerRow.id.in_(learners), LearnerRow.erased_at.is_not(None))
    enrolled = select(EnrolmentRow.learner_id, EnrolmentRow.cohort_id, EnrolmentRow.status)
    facts = _Facts(
        erased=set(await session.scalars(erased)),
        enrolments={
            (learner, cohort): status
            for learner, cohort, status in await session.execute(
                enrolled.where(EnrolmentRow.learner_id.in_(learners))
            )
        },
    )
    items = {str(contexts[row.id].get("module_id") or contexts[row.id].get("session_id")) for row in asking}
    await _load_progress(session, facts, learners, sorted(items))
    inactive = sorted({row.learner_id for row in asking if row.rule == "inactivity" and row.learner_id})
    if inactive:
        latest = select(
            ProgressLearner.learner_id, ProgressLearner.cohort_id, ProgressLearner.last_activity_at
        ).where(ProgressLearner.learner_id.in_(inactive))
        for learner, cohort, last in await session.execute(latest):
            facts.last_activity.setdefault((learner, cohort), last)
    return facts


async def _load_progress(session: AsyncSession, facts: _Facts, learners: list[int], items: list[str]) -> None:
    """The learners' progress in the rows' modules and sessions (bounded by the programme, not by how
    many statements a learner has)."""
    progress = select(
        ProgressRecord.learner_id,
        ProgressRecord.cohort_id,
        ProgressRecord.item_kind,
        ProgressRecord.item_id,
        ProgressRecord.satisfied_at,
        ProgressRecord.status,
    ).where(
        ProgressRecord.learner_id.in_(learners),
        ProgressRecord.item_kind.in_(["module", "session"]),
        ProgressRecord.item_id.in_(items),
    )
    for learner, cohort, kind, item, satisfied_at, status in await session.execute(progress):
        facts.progress.setdefault((learner, cohort, kind, item), (satisfied_at, status))


def _decide(
    row: PlannedMessage, context: dict[str, Any], programme: _Known, facts: _Facts
) -> str | _AskRsvp | None:
    """`reason_gone` on facts already loaded (the RSVP answer is asked for, not read)."""
    if row.learner_id is None or context.get("cancelled"):
        return None
    learner, cohort = row.learner_id, row.cohort_id
    if learner in facts.erased:
        return "the learner's data was erased"
    if facts.enrolments.get((learner, cohort)) != "enrolled":
        return "the learner withdrew"
    if row.rule in MODULE_RULES:
        module_id = context["module_id"]
        if module_id not in programme.modules:
            return f"module {module_id} was removed"
        satisfied_at, _status = facts.progress.get((learner, cohort, "module", module_id), (None, ""))
        return f"module {module_id} is satisfied" if satisfied_at is not None else None
    if row.rule in SESSION_RULES:
        return _decide_session(row, context, programme, facts)
    if row.rule == "inactivity":
        last = facts.last_activity.get((learner, cohort))
        if last is not None and last > datetime.fromisoformat(context["last_activity_at"]):
            return "the learner is active again"
    return None


def _decide_session(
    row: PlannedMessage, context: dict[str, Any], programme: _Known, facts: _Facts
) -> str | _AskRsvp | None:
    found = programme.sessions.get(context["session_id"])
    if found is None or found.cohort != row.cohort_id:
        return f"session {context['session_id']} was removed"
    learner = row.learner_id or 0
    if row.rule == "missed_session":
        _satisfied, status = facts.progress.get((learner, row.cohort_id, "session", found.id), (None, ""))
        return f"the learner attended session {found.id} after all" if status == "attended" else None
    if "starts_at" in context and datetime.fromisoformat(context["starts_at"]) != found.start:
        return f"session {found.id} moved"
    if row.rule == "session_reminder":
        return _AskRsvp((learner, found.activity_iri))
    return None
