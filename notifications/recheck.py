"""Re-check a planned message's reason just before it is sent.

The answer is None when the message should still go, else the reason it is cancelled (the learner
withdrew, the module is satisfied, the session moved or was removed, the learner declined, ...).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme, Session
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import EnrolmentRow, LearnerRow
from lrs.storage.progress_models import ProgressLearner, ProgressRecord
from notifications.rsvp_state import rsvp_state

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
