"""Invitation responses (accepted / declined / tentative) read back from Graph calendar events and
recorded as xAPI statements about the session, one per learner per answer (docs/attendance.md)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import InviteResponse
from connectors.calendar.client import fetch_invite_responses
from connectors.graph.client import GraphClient
from connectors.graph.errors import ConnectorError
from lrs.attendance.sessions import SessionPlan
from lrs.attendance.statements import MEETING_ACTIVITY_TYPE, PLATFORM, SESSION_EXTENSION, Person, normal_email
from lrs.attendance.teams import TeamsAttendanceError
from lrs.clock import Clock
from lrs.errors import InvalidRequest
from lrs.statement_service import record_statements
from lrs.storage.engine import Database
from lrs.storage.statements import Writer
from lrs.xapi.statements import validate_statements
from lrs.xapi.timestamps import format_timestamp

# Activity Streams verbs (registered in the xAPI vocabulary); no registry verb means "tentatively".
RSVP_VERBS = {
    "accepted": "http://activitystrea.ms/schema/1.0/accept",
    "declined": "http://activitystrea.ms/schema/1.0/reject",
    "tentativelyAccepted": "https://cohort-lrs.example/xapi/verbs/tentatively-accepted",
}
EVENT_EXTENSION = "https://cohort-lrs.example/xapi/extensions/calendar-event"
_RSVP_NAMESPACE = uuid.UUID("5d1f0a3e-2c4b-4a8e-9f61-7b2e8c0d4a15")


@dataclass(frozen=True)
class RsvpReport:
    session_id: str
    recorded: tuple[str, ...]  # emails whose answer is now stored
    unanswered: tuple[str, ...]  # expected attendees who have not answered
    unmatched: tuple[str, ...]  # answers from people not expected at the session


def rsvp_statement(plan: SessionPlan, answer: InviteResponse, organiser: str, *, now: str) -> dict[str, Any]:
    """The statement for one answer. Its id is derived from the answer and its time, so pulling again
    stores nothing new, while a changed answer is a new statement (the history stays truthful)."""
    session = plan.session
    answered_at = format_timestamp(answer.responded_at) if answer.responded_at else now
    key = f"{session.activity_iri}|{normal_email(answer.email)}|{answer.response}|{answered_at}"
    attendee = plan.attendee(answer.email)
    return {
        "id": str(uuid.uuid5(_RSVP_NAMESPACE, key)),
        "actor": Person(answer.email, attendee.name if attendee else "").agent(),
        "verb": {"id": RSVP_VERBS[answer.response], "display": {"en-GB": answer.response}},
        "object": {
            "objectType": "Activity",
            "id": session.activity_iri,
            "definition": {"name": {"en-GB": session.title}, "type": MEETING_ACTIVITY_TYPE},
        },
        "context": {
            "instructor": Person(organiser).agent(),
            "platform": PLATFORM,
            "extensions": {SESSION_EXTENSION: session.id, EVENT_EXTENSION: answer.event_id},
        },
        "timestamp": answered_at,
    }


async def pull_invite_responses(
    database: Database,
    plan: SessionPlan,
    *,
    graph: GraphClient,
    event_id: str,
    writer: Writer,
    clock: Clock,
) -> RsvpReport:
    """Read the attendees' answers to the session's invitation and record each as a statement."""
    online = plan.session.online
    if online is None or not online.organiser:
        raise InvalidRequest(
            "session", f"session {plan.session.id} has no organiser to read invitations from"
        )
    try:
        answers = await fetch_invite_responses(graph, online.organiser, event_id)
    except ConnectorError as err:
        raise TeamsAttendanceError(f"invitation responses for session {plan.session.id}: {err}") from err
    expected = [answer for answer in answers if plan.attendee(answer.email) is not None]
    answered = [answer for answer in expected if answer.response in RSVP_VERBS]
    now = format_timestamp(clock())
    statements = [rsvp_statement(plan, answer, online.organiser, now=now) for answer in answered]
    if statements:
        validated = validate_statements(statements, version="1.0.3")
        await record_statements(database, validated, writer=writer, clock=clock, version="1.0.3")
    return RsvpReport(
        plan.session.id,
        recorded=tuple(answer.email for answer in answered),
        unanswered=_unanswered(plan, answered),
        unmatched=tuple(answer.email for answer in answers if plan.attendee(answer.email) is None),
    )


def _unanswered(plan: SessionPlan, answered: Sequence[InviteResponse]) -> tuple[str, ...]:
    done = {normal_email(answer.email) for answer in answered}
    return tuple(item.email for item in plan.attendees if normal_email(item.email) not in done)
