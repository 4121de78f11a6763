"""Which session a register is for, and who is expected at it.

Attendance needs a session (from a programme definition) and its expected attendees (the cohort
roster, narrowed by `Session.expected_attendees`). `SessionDirectory` is that capability; the
programme store provides the production implementation, `StaticSessionDirectory` serves fixed
programmes and rosters (tests, single-shot imports).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from lrs.attendance.statements import normal_email
from lrs.errors import InvalidRequest, NotFound
from lrs.programme.model import Programme, Session


@dataclass(frozen=True)
class ExpectedAttendee:
    """A learner on a session's register."""

    email: str
    name: str = ""
    registration: str | None = None  # the learner's enrolment registration UUID, when the roster has one


@dataclass(frozen=True)
class SessionPlan:
    programme_id: str
    session: Session
    attendees: tuple[ExpectedAttendee, ...]

    def attendee(self, email: str) -> ExpectedAttendee | None:
        wanted = normal_email(email)
        return next((item for item in self.attendees if normal_email(item.email) == wanted), None)

    @property
    def scheduled_seconds(self) -> int:
        return int((self.session.end - self.session.start).total_seconds())


class SessionDirectory(Protocol):
    async def session_plan(self, session_id: str) -> SessionPlan:
        """The session and its expected attendees; NotFound for an unknown session id."""
        ...


class StaticSessionDirectory:
    """Sessions of fixed programmes, with each cohort's roster given as (programme id, cohort id) ->
    attendees."""

    def __init__(
        self,
        programmes: Sequence[Programme],
        rosters: Mapping[tuple[str, str], Sequence[ExpectedAttendee]],
    ) -> None:
        self._programmes = tuple(programmes)
        self._rosters = {key: tuple(value) for key, value in rosters.items()}

    async def session_plan(self, session_id: str) -> SessionPlan:
        found = [
            (programme, session)
            for programme in self._programmes
            for session in programme.sessions
            if session.id == session_id
        ]
        if not found:
            raise NotFound(f"no session {session_id!r}")
        if len(found) > 1:
            owners = ", ".join(programme.id for programme, _ in found)
            raise InvalidRequest(
                "session", f"session id {session_id!r} is defined by several programmes: {owners}"
            )
        programme, session = found[0]
        roster = self._rosters.get((programme.id, session.cohort), ())
        return SessionPlan(programme.id, session, expected_attendees(session, roster))


def expected_attendees(session: Session, roster: Sequence[ExpectedAttendee]) -> tuple[ExpectedAttendee, ...]:
    """The cohort roster, or only the listed learners (named from the roster when they are on it)."""
    if session.expected_attendees is None:
        return tuple(roster)
    by_email = {normal_email(item.email): item for item in roster}
    return tuple(
        by_email.get(normal_email(email), ExpectedAttendee(normal_email(email)))
        for email in session.expected_attendees
    )
