"""Attendance statements: one xAPI statement per learner per session mark (docs/attendance.md).

Every source (the CSV register, the check-in page, Teams attendance reports) produces an
`AttendanceMark`; `attendance_statement` turns it into the one documented statement shape. The verb
and extension IRIs are constants here so the progress projection can import them.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lrs.programme.model import Session
from lrs.xapi.timestamps import format_timestamp

ATTENDED_VERB = "http://adlnet.gov/expapi/verbs/attended"
# No registry verb says "was expected and did not attend"; ours is documented in docs/attendance.md.
ABSENT_VERB = "https://cohort-lrs.example/xapi/verbs/absent"
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
ATTENDANCE_VERBS = frozenset({ATTENDED_VERB, ABSENT_VERB})
MEETING_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/meeting"
PLATFORM = "cohort-lrs"

_EXTENSIONS = "https://cohort-lrs.example/xapi/extensions/"
LATE_EXTENSION = _EXTENSIONS + "late"  # result: true when the learner arrived late
NOTES_EXTENSION = _EXTENSIONS + "notes"  # result: the facilitator's note, when given
REQUIRED_DURATION_EXTENSION = _EXTENSIONS + "required-duration"  # result: the Teams threshold
SOURCE_EXTENSION = _EXTENSIONS + "attendance-source"  # context: register | checkin | teams
FIRST_JOIN_EXTENSION = _EXTENSIONS + "first-join"  # context: Teams first join (UTC timestamp)
LAST_LEAVE_EXTENSION = _EXTENSIONS + "last-leave"  # context: Teams last leave (UTC timestamp)
SESSION_EXTENSION = _EXTENSIONS + "session"  # context: the programme's session id

# Deterministic statement ids: the same learner, session and revision always give the same id.
_MARK_NAMESPACE = uuid.UUID("0b6c4f53-9f57-4d0e-9a51-6f3a2d9c1e27")


class Mark(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"


class MarkSource(enum.StrEnum):
    REGISTER = "register"  # a facilitator's CSV upload
    CHECKIN = "checkin"  # the facilitator's check-in page on the day
    TEAMS = "teams"  # a Teams meeting attendance report

    @property
    def is_facilitator(self) -> bool:
        return self is not MarkSource.TEAMS


@dataclass(frozen=True)
class Person:
    """Someone identified by their work email (the xAPI mbox)."""

    email: str
    name: str = ""

    def agent(self) -> dict[str, Any]:
        agent: dict[str, Any] = {"objectType": "Agent", "mbox": f"mailto:{normal_email(self.email)}"}
        if self.name:
            agent["name"] = self.name
        return agent


@dataclass(frozen=True)
class AttendanceMark:
    """One learner's attendance at one session, from any source."""

    learner: Person
    mark: Mark
    source: MarkSource
    instructor: Person | None = None  # the facilitator (register, check-in) or meeting organiser (Teams)
    registration: str | None = None  # the learner's enrolment registration UUID, when known
    duration_seconds: int | None = None  # time present, when known (CSV minutes, Teams)
    notes: str = ""
    first_join: datetime | None = None
    last_leave: datetime | None = None
    required_seconds: int | None = None  # the Teams threshold the duration was judged against


def normal_email(email: str) -> str:
    return email.strip().lower()


def mark_statement_id(session: Session, email: str, revision: int) -> str:
    """The id of revision `revision` (0, 1, ...) of a learner's mark for a session."""
    name = f"mark|{session.activity_iri}|{normal_email(email)}|{revision}"
    return str(uuid.uuid5(_MARK_NAMESPACE, name))


def voiding_statement_id(voided_id: str) -> str:
    return str(uuid.uuid5(_MARK_NAMESPACE, f"void|{voided_id.lower()}"))


def iso_duration(seconds: int) -> str:
    """Whole seconds as an ISO 8601 duration: 5400 -> "PT1H30M", 0 -> "PT0S"."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "H"), (minutes, "M"), (secs, "S")]
    text = "".join(f"{value}{unit}" for value, unit in parts if value)
    return "PT" + (text or "0S")


def session_activity(session: Session) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": session.activity_iri,
        "definition": {"name": {"en-GB": session.title}, "type": MEETING_ACTIVITY_TYPE},
    }


def attendance_statement(session: Session, mark: AttendanceMark, *, statement_id: str) -> dict[str, Any]:
    """The documented attendance statement (docs/attendance.md, "Statement shape")."""
    attended = mark.mark is not Mark.ABSENT
    verb = {
        "id": ATTENDED_VERB if attended else ABSENT_VERB,
        "display": {"en-GB": "attended" if attended else "was absent from"},
    }
    statement: dict[str, Any] = {
        "id": statement_id,
        "actor": mark.learner.agent(),
        "verb": verb,
        "object": session_activity(session),
        "context": _context(session, mark),
        "timestamp": format_timestamp(mark.first_join or session.start),
    }
    result = _result(mark)
    if result:
        statement["result"] = result
    return statement


def voiding_statement(voided_id: str, actor: Mapping[str, Any]) -> dict[str, Any]:
    """Voids a superseded mark; `actor` is whoever changed it (the facilitator, else the LRS)."""
    return {
        "id": voiding_statement_id(voided_id),
        "actor": dict(actor),
        "verb": {"id": VOIDED_VERB, "display": {"en-GB": "voided"}},
        "object": {"objectType": "StatementRef", "id": voided_id},
    }


def _result(mark: AttendanceMark) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if mark.duration_seconds is not None:
        result["duration"] = iso_duration(mark.duration_seconds)
    extensions: dict[str, Any] = {}
    if mark.mark is Mark.LATE:
        extensions[LATE_EXTENSION] = True
    if mark.notes:
        extensions[NOTES_EXTENSION] = mark.notes
    if mark.required_seconds is not None:
        extensions[REQUIRED_DURATION_EXTENSION] = iso_duration(mark.required_seconds)
    if extensions:
        result["extensions"] = extensions
    return result


def _context(session: Session, mark: AttendanceMark) -> dict[str, Any]:
    extensions: dict[str, Any] = {SOURCE_EXTENSION: mark.source.value, SESSION_EXTENSION: session.id}
    if mark.first_join is not None:
        extensions[FIRST_JOIN_EXTENSION] = format_timestamp(mark.first_join)
    if mark.last_leave is not None:
        extensions[LAST_LEAVE_EXTENSION] = format_timestamp(mark.last_leave)
    context: dict[str, Any] = {"platform": PLATFORM, "extensions": extensions}
    if mark.registration:
        context["registration"] = mark.registration
    if mark.instructor is not None:
        context["instructor"] = mark.instructor.agent()
    return context
