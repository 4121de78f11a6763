"""Which session a register is for, and who is expected at it.

Attendance needs a session (from a programme definition) and its expected attendees (the cohort
roster, narrowed by `Session.expected_attendees`). `SessionDirectory` is that capability; the
programme store provides the production implementation, `StaticSessionDirectory` serves fixed
programmes and rosters (tests, single-shot imports).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.attendance.statements import normal_email
from lrs.errors import InvalidRequest, NotFound
from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme, Session
from lrs.storage.engine import Database
from lrs.storage.programme_models import EnrolmentRow, LearnerRow, ProgrammeRow, SessionRow


@dataclass(frozen=True)
class ExpectedAttendee:
    """A learner on a session's register."""

    email: str
    name: str = ""
    registration: str | None = None  # the learner's enrolment registration UUID (None: not on the roster)


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


class StoredSessionDirectory:
    """Sessions of the stored programme definitions; attendees are the cohort's enrolled learners."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def session_plan(self, session_id: str) -> SessionPlan:
        async with self._database.read_session() as db:
            owners = list(
                await db.scalars(select(SessionRow.programme_id).where(SessionRow.session_id == session_id))
            )
            if not owners:
                raise NotFound(f"no session {session_id!r}")
            if len(owners) > 1:
                names = ", ".join(sorted(owners))
                raise InvalidRequest(
                    "session", f"session id {session_id!r} is defined by several programmes: {names}"
                )
            definition = await db.scalar(select(ProgrammeRow.definition).where(ProgrammeRow.id == owners[0]))
            if definition is None:
                raise NotFound(f"no programme {owners[0]!r}")
            session = parse_programme(json.loads(definition)).session(session_id)
            roster = await _enrolled(db, session.cohort)
        return SessionPlan(owners[0], session, expected_attendees(session, roster))


async def _enrolled(db: AsyncSession, cohort_id: str) -> list[ExpectedAttendee]:
    rows = await db.execute(
        select(LearnerRow.email, LearnerRow.name, EnrolmentRow.registration)
        .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
        .where(EnrolmentRow.cohort_id == cohort_id, EnrolmentRow.status == "enrolled")
        .order_by(LearnerRow.name, LearnerRow.id)
    )
    return [ExpectedAttendee(normal_email(email), name, registration) for email, name, registration in rows]


def expected_attendees(session: Session, roster: Sequence[ExpectedAttendee]) -> tuple[ExpectedAttendee, ...]:
    """The cohort roster, or only the listed learners (named from the roster when they are on it)."""
    if session.expected_attendees is None:
        return tuple(roster)
    by_email = {normal_email(item.email): item for item in roster}
    return tuple(
        by_email.get(normal_email(email), ExpectedAttendee(normal_email(email)))
        for email in session.expected_attendees
    )
