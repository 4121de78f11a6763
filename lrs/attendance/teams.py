"""Teams meeting attendance reports -> attendance marks, judged against a per-session threshold.

After an online session ends, `pull_teams_attendance` finds the Teams meeting behind the session's
join URL, reads every attendance report (connectors.teams.attendance) and records one mark per
expected learner: attended when their joined time reaches the threshold, absent (with the time they
did join as result.duration) when it does not. A facilitator's mark is never overruled by a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from connectors.base import AttendanceRecord
from connectors.graph.client import GraphClient
from connectors.graph.errors import ConnectorError
from connectors.graph.settings import GraphSettings
from connectors.teams.attendance import fetch_attendance_records, find_online_meeting_id
from lrs.attendance.marks import MarkOutcome, record_marks
from lrs.attendance.sessions import SessionPlan
from lrs.attendance.statements import AttendanceMark, Mark, MarkSource, Person, normal_email
from lrs.clock import Clock
from lrs.errors import InvalidRequest, LrsError, NotFound
from lrs.storage.engine import Database
from lrs.storage.statements import Writer

# Reports of a reused meeting link cover other sessions too: only join times near this one count.
SESSION_WINDOW_MARGIN = timedelta(hours=2)


class TeamsAttendanceError(LrsError):
    """Graph could not give the attendance report (permissions, throttling, network)."""


@dataclass(frozen=True)
class AttendanceThreshold:
    """What "attended" means online: at least `min_minutes` if set, else `min_fraction` of the
    scheduled duration. Joining later than `late_after_minutes` after the start marks lateness."""

    min_fraction: float = 0.5
    min_minutes: int | None = None
    late_after_minutes: int | None = None

    def required_seconds(self, scheduled_seconds: int) -> int:
        if self.min_minutes is not None:
            return self.min_minutes * 60
        return round(scheduled_seconds * self.min_fraction)


@dataclass(frozen=True)
class AttendancePolicy:
    """The default threshold, overridden per programme id and, more specifically, per session id."""

    default: AttendanceThreshold = field(default_factory=AttendanceThreshold)
    programmes: Mapping[str, AttendanceThreshold] = field(default_factory=dict)
    sessions: Mapping[str, AttendanceThreshold] = field(default_factory=dict)

    def threshold_for(self, plan: SessionPlan) -> AttendanceThreshold:
        if plan.session.id in self.sessions:
            return self.sessions[plan.session.id]
        return self.programmes.get(plan.programme_id, self.default)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AttendancePolicy:
        """`{min_fraction, min_minutes, late_after_minutes, programmes: {id: {...}}, sessions: {id: {...}}}`;
        a programme or session table inherits what it does not set."""
        default = _threshold(data, AttendanceThreshold(), "attendance")
        programmes = {
            key: _threshold(value, default, f"attendance.programmes.{key}")
            for key, value in _table(data.get("programmes", {}), "attendance.programmes").items()
        }
        sessions = {
            key: _threshold(value, default, f"attendance.sessions.{key}")
            for key, value in _table(data.get("sessions", {}), "attendance.sessions").items()
        }
        return cls(default, programmes, sessions)


@dataclass(frozen=True)
class TeamsPullReport:
    session_id: str
    meeting_id: str
    required_seconds: int
    outcomes: tuple[MarkOutcome, ...]
    unmatched: tuple[str, ...]  # emails in the report that are not expected learners (organisers, guests)


def _table(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{path} must be a table")
    return value


def _threshold(raw: object, base: AttendanceThreshold, path: str) -> AttendanceThreshold:
    data = _table(raw, path)
    fraction = data.get("min_fraction", base.min_fraction)
    if not isinstance(fraction, int | float) or isinstance(fraction, bool) or not 0 <= fraction <= 1:
        raise ValueError(f"{path}.min_fraction must be a number from 0 to 1")
    minutes = data.get("min_minutes", base.min_minutes)
    late = data.get("late_after_minutes", base.late_after_minutes)
    for name, value in (("min_minutes", minutes), ("late_after_minutes", late)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValueError(f"{path}.{name} must be a whole number of minutes")
    return AttendanceThreshold(float(fraction), minutes, late)


@dataclass(frozen=True)
class _Joined:
    seconds: int
    record: AttendanceRecord  # the earliest record; first_join/last_leave are merged below


def teams_marks(
    plan: SessionPlan, records: Sequence[AttendanceRecord], threshold: AttendanceThreshold
) -> tuple[list[AttendanceMark], list[str]]:
    """One mark per expected learner (absent when not in the report), and the unmatched emails."""
    joined = _joined_by_email(plan, records)
    required = threshold.required_seconds(plan.scheduled_seconds)
    organiser = plan.session.online.organiser if plan.session.online else None
    instructor = Person(organiser) if organiser else None
    marks = []
    for attendee in plan.attendees:
        found = joined.get(normal_email(attendee.email))
        seconds = found.seconds if found else 0
        marks.append(
            AttendanceMark(
                learner=Person(attendee.email, attendee.name),
                mark=_mark(plan, found, seconds >= required, threshold),
                source=MarkSource.TEAMS,
                instructor=instructor,
                registration=attendee.registration,
                duration_seconds=seconds,
                first_join=found.record.first_join if found else None,
                last_leave=found.record.last_leave if found else None,
                required_seconds=required,
            )
        )
    unmatched = sorted(email for email in joined if plan.attendee(email) is None)
    return marks, unmatched


def _mark(plan: SessionPlan, found: _Joined | None, enough: bool, threshold: AttendanceThreshold) -> Mark:
    if found is None or not enough:
        return Mark.ABSENT
    first = found.record.first_join
    late_after = threshold.late_after_minutes
    if (
        late_after is not None
        and first is not None
        and first > plan.session.start + timedelta(minutes=late_after)
    ):
        return Mark.LATE
    return Mark.PRESENT


def _joined_by_email(plan: SessionPlan, records: Sequence[AttendanceRecord]) -> dict[str, _Joined]:
    """Records per email within the session window, seconds summed (rejoins across several reports)."""
    earliest = plan.session.start - SESSION_WINDOW_MARGIN
    latest = plan.session.end + SESSION_WINDOW_MARGIN
    joined: dict[str, _Joined] = {}
    for record in records:
        email = normal_email(record.email)
        outside = record.first_join is not None and not earliest <= record.first_join <= latest
        if not email or outside:
            continue
        before = joined.get(email)
        if before is None:
            joined[email] = _Joined(record.total_seconds, record)
            continue
        first = min((t for t in (before.record.first_join, record.first_join) if t), default=None)
        last = max((t for t in (before.record.last_leave, record.last_leave) if t), default=None)
        merged = AttendanceRecord(record.meeting_id, email, record.display_name, record.role, 0, first, last)
        joined[email] = _Joined(before.seconds + record.total_seconds, merged)
    return joined


def graph_client_for(connectors: Mapping[str, Any]) -> GraphClient:
    """A Graph client from the `[connectors.teams]` settings table (the caller closes it)."""
    table = connectors.get("teams")
    if not isinstance(table, Mapping):
        raise InvalidRequest("connectors.teams", "Teams attendance needs a [connectors.teams] settings table")
    return GraphClient(GraphSettings.from_mapping(table, "connectors.teams"))


async def pull_teams_attendance(
    database: Database,
    plan: SessionPlan,
    *,
    graph: GraphClient,
    policy: AttendancePolicy,
    writer: Writer,
    clock: Clock,
) -> TeamsPullReport:
    """Read the session's Teams attendance reports and record a mark for every expected learner."""
    session = plan.session
    if session.online is None or not session.online.organiser:
        raise InvalidRequest("session", f"session {session.id} has no Teams meeting with an organiser")
    if clock() < session.end:
        raise InvalidRequest(
            "session", f"session {session.id} has not ended yet (ends {session.end.isoformat()})"
        )
    organiser, join_url = session.online.organiser, session.online.join_url
    try:
        meeting_id = await find_online_meeting_id(graph, organiser, join_url)
        if meeting_id is None:
            raise NotFound(f"no Teams meeting of {organiser} has the join URL of session {session.id}")
        records = await fetch_attendance_records(graph, organiser, meeting_id)
    except ConnectorError as err:
        raise TeamsAttendanceError(f"Teams attendance for session {session.id}: {err}") from err
    if not records:
        raise NotFound(f"the Teams meeting of session {session.id} has no attendance report yet")
    threshold = policy.threshold_for(plan)
    marks, unmatched = teams_marks(plan, records, threshold)
    outcomes = await record_marks(database, session, marks, writer=writer, clock=clock)
    required = threshold.required_seconds(plan.scheduled_seconds)
    return TeamsPullReport(session.id, meeting_id, required, tuple(outcomes), tuple(unmatched))
