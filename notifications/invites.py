"""Calendar invitations per session: one stable UID per learner and session, a new message (and a
higher SEQUENCE) whenever the session's time changes, and a CANCEL when the learner withdraws or the
session is removed. The calendar channel (Graph events) takes them when configured, else email
(an iCalendar REQUEST or CANCEL)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import CalendarInvite, Recipient
from lrs.programme.model import Session
from lrs.storage.planned_message_models import PlannedMessage
from notifications.schedule import PlanItem

INVITE_RULES = frozenset({"session_invite"})  # the review-day message rides on its session invitation
INVITE_CHANNELS = ("calendar", "email")


def invite_uid(cohort_id: str, session_id: str, learner_id: int) -> str:
    return f"{invite_uid_prefix(cohort_id, session_id)}{learner_id}"


def invite_uid_prefix(cohort_id: str, session_id: str) -> str:
    """The UID of a learner's invitation is this followed by the learner's id."""
    return f"cohort-lrs:{cohort_id}:{session_id}:learner-"


def session_details(session: Session) -> dict[str, Any]:
    return {
        "session_id": session.id,
        "title": session.title,
        "starts_at": session.start.isoformat(),
        "ends_at": session.end.isoformat(),
        "timezone": session.timezone,
        "location": session.location or "",
        "online": session.online is not None,
    }


def invitation_occurrence(session: Session) -> str:
    return f"{session.id}@{session.start:%Y%m%dT%H%MZ}"


def invitation_context(session: Session, sequence: int) -> dict[str, Any]:
    """An invitation's context but its learner's `uid`."""
    return {**session_details(session), "sequence": sequence}


def cancellation(
    sent: Mapping[str, Any], programme_id: str, cohort_id: str, learner_id: int, now: datetime
) -> PlanItem:
    """The CANCEL for an invitation that went out (its stored context says what it was)."""
    context = {**sent, "cancelled": True, "sequence": int(sent.get("sequence", 0)) + 1}
    return PlanItem(
        "session_invite", programme_id, cohort_id, learner_id, f"{sent['session_id']}@cancelled", now, context
    )


async def sent_invitations(
    session: AsyncSession, cohort_id: str, now: datetime, *, learner_id: int | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """(learner, context) of each invitation that went out for a session still to come and was not
    cancelled since: the ones a withdrawal or a removed session must cancel."""
    query = select(PlannedMessage.learner_id, PlannedMessage.context).where(
        PlannedMessage.cohort_id == cohort_id,
        PlannedMessage.rule == "session_invite",
        PlannedMessage.state.in_(["sent", "delivered"]),
    )
    if learner_id is not None:
        query = query.where(PlannedMessage.learner_id == learner_id)
    latest: dict[tuple[int, str], dict[str, Any]] = {}
    for learner, text in await session.execute(query.order_by(PlannedMessage.id)):
        context = json.loads(text)
        if learner is not None and datetime.fromisoformat(context["starts_at"]) > now:
            latest[(learner, context["session_id"])] = context
    return [(learner, context) for (learner, _), context in latest.items() if not context.get("cancelled")]


def calendar_invite(
    context: Mapping[str, Any], recipient: Recipient, description: str
) -> CalendarInvite | None:
    if "uid" not in context:
        return None
    return CalendarInvite(
        uid=str(context["uid"]),
        sequence=int(context.get("sequence", 0)),
        title=str(context["title"]),
        description=description,
        start=datetime.fromisoformat(context["starts_at"]),
        end=datetime.fromisoformat(context["ends_at"]),
        timezone=str(context.get("timezone", "Europe/London")),
        location=str(context.get("location", "")),
        attendees=(recipient,),
        online_meeting=bool(context.get("online", False)),
        cancelled=bool(context.get("cancelled", False)),
    )
