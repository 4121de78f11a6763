"""Teams attendance: thresholds, mapping records to marks, and pulling a report from the fake Graph."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import AttendanceRecord
from connectors.graph.client import GraphClient
from connectors.graph.settings import GraphSettings
from lrs.attendance.marks import MarkAction, current_marks, record_marks
from lrs.attendance.statements import (
    ABSENT_VERB,
    ATTENDED_VERB,
    LATE_EXTENSION,
    REQUIRED_DURATION_EXTENSION,
    AttendanceMark,
    Mark,
    MarkSource,
    Person,
)
from lrs.attendance.teams import (
    AttendancePolicy,
    AttendanceThreshold,
    TeamsAttendanceError,
    graph_client_for,
    pull_teams_attendance,
    teams_marks,
)
from lrs.errors import InvalidRequest, NotFound
from lrs.storage.engine import Database
from tests.fakes.microsoft import FakeMicrosoft
from tests.fakes.ms_calendar import Meeting
from tests.lrs.attendance.support import (
    FACILITATOR,
    JOIN_URL,
    ORGANISER,
    PROGRAMME_ID,
    SteppingClock,
    plan,
    writer,
)

START = datetime(2025, 10, 21, 9, 0, tzinfo=UTC)  # 10:00 BST; the session runs two hours


def _record(email: str, minutes: int, *, late_by: int = 0, start: datetime = START) -> AttendanceRecord:
    first = start + timedelta(minutes=late_by)
    return AttendanceRecord(
        "m", email, email.split("@")[0], "Attendee", minutes * 60, first, first + timedelta(minutes=minutes)
    )


def _graph_record(email: str, minutes: int, late_by: int = 0) -> dict[str, Any]:
    first = START + timedelta(minutes=late_by)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "emailAddress": email,
        "role": "Attendee",
        "totalAttendanceInSeconds": minutes * 60,
        "identity": {"displayName": email.split("@")[0]},
        "attendanceIntervals": [
            {
                "joinDateTime": first.strftime(stamp),
                "leaveDateTime": (first + timedelta(minutes=minutes)).strftime(stamp),
            }
        ],
    }


def test_threshold_fraction_minutes_and_policy_overrides() -> None:
    assert AttendanceThreshold().required_seconds(7200) == 3600
    assert AttendanceThreshold(min_fraction=0.75).required_seconds(7200) == 5400
    assert AttendanceThreshold(min_fraction=0.75, min_minutes=30).required_seconds(7200) == 1800
    policy = AttendancePolicy.from_mapping(
        {
            "min_fraction": 0.6,
            "late_after_minutes": 10,
            "programmes": {PROGRAMME_ID: {"min_minutes": 45}},
            "sessions": {"att-online": {"min_fraction": 0.9}},
        }
    )
    assert policy.default == AttendanceThreshold(0.6, None, 10)
    assert policy.programmes[PROGRAMME_ID] == AttendanceThreshold(0.6, 45, 10)
    assert policy.sessions["att-online"] == AttendanceThreshold(0.9, None, 10)


@pytest.mark.parametrize(
    "bad",
    [
        {"min_fraction": 1.5},
        {"min_fraction": "half"},
        {"min_minutes": -1},
        {"late_after_minutes": True},
        {"sessions": []},
    ],
)
def test_policy_rejects_bad_values(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        AttendancePolicy.from_mapping(bad)


async def test_records_map_to_marks_by_email_with_threshold_and_lateness() -> None:
    session_plan = await plan("att-online")
    records = [
        _record("ADA@council.gov.uk", 40),  # first part of a rejoin
        _record("ada@council.gov.uk", 45, late_by=60),  # 85 minutes in all: attended
        _record("bob@council.gov.uk", 50, late_by=20),  # below 60 minutes: absent, with the time joined
        _record("guest@partner.org", 120),
        _record("cat@council.gov.uk", 120, start=START - timedelta(days=7)),  # last week's session: ignored
    ]
    marks, unmatched = teams_marks(session_plan, records, AttendanceThreshold(late_after_minutes=15))
    by_email = {mark.learner.email: mark for mark in marks}
    assert unmatched == ["guest@partner.org"]
    ada, bob, cat = (
        by_email["ada@council.gov.uk"],
        by_email["bob@council.gov.uk"],
        by_email["cat@council.gov.uk"],
    )
    assert (ada.mark, ada.duration_seconds, ada.first_join, ada.last_leave) == (
        Mark.PRESENT,
        85 * 60,
        START,
        START + timedelta(minutes=105),
    )
    assert (bob.mark, bob.duration_seconds, bob.required_seconds) == (Mark.ABSENT, 3000, 3600)
    assert (cat.mark, cat.duration_seconds, cat.first_join) == (Mark.ABSENT, 0, None)
    assert ada.instructor == Person(ORGANISER) and ada.source is MarkSource.TEAMS
    late, _ = teams_marks(
        session_plan,
        [_record("bob@council.gov.uk", 90, late_by=20)],
        AttendanceThreshold(late_after_minutes=15),
    )
    assert late[1].mark is Mark.LATE


@pytest.fixture
async def graph(fake_microsoft: FakeMicrosoft) -> Any:
    organiser_id = fake_microsoft.add_user(ORGANISER)
    meeting = Meeting("MSo-attendance-test", organiser_id, JOIN_URL)
    fake_microsoft.calendar.meetings[meeting.id] = meeting
    client = graph_client_for({"teams": fake_microsoft.graph_config()})
    try:
        yield client
    finally:
        await client.close()


async def test_pull_records_every_expected_learner_and_is_idempotent(
    database: Database, fake_microsoft: FakeMicrosoft, graph: GraphClient
) -> None:
    fake_microsoft.calendar.add_report(
        "MSo-attendance-test",
        [
            _graph_record("ada@council.gov.uk", 110),
            _graph_record("bob@council.gov.uk", 30, 80),
            _graph_record(ORGANISER, 120),
        ],
    )
    fake_microsoft.calendar.page_size = 1  # every record on its own page
    session_plan = await plan("att-online")
    policy = AttendancePolicy(sessions={"att-online": AttendanceThreshold(late_after_minutes=10)})
    report = await pull_teams_attendance(
        database, session_plan, graph=graph, policy=policy, writer=writer(), clock=SteppingClock()
    )
    assert report.meeting_id == "MSo-attendance-test" and report.required_seconds == 3600
    assert report.unmatched == (ORGANISER,)
    assert [o.action for o in report.outcomes] == [MarkAction.RECORDED] * 3
    current = await current_marks(database, session_plan.session, [a.email for a in session_plan.attendees])
    ada = current["ada@council.gov.uk"].statement
    bob = current["bob@council.gov.uk"].statement
    assert ada["verb"]["id"] == ATTENDED_VERB and ada["result"]["duration"] == "PT1H50M"
    assert LATE_EXTENSION not in ada["result"].get("extensions", {})
    assert bob["verb"]["id"] == ABSENT_VERB and bob["result"]["duration"] == "PT30M"
    assert bob["result"]["extensions"][REQUIRED_DURATION_EXTENSION] == "PT1H"
    assert bob["context"]["instructor"]["mbox"] == f"mailto:{ORGANISER}"
    again = await pull_teams_attendance(
        database, session_plan, graph=graph, policy=policy, writer=writer(), clock=SteppingClock()
    )
    assert {o.action for o in again.outcomes} == {MarkAction.UNCHANGED}


async def test_a_facilitator_mark_survives_a_later_pull(
    database: Database, fake_microsoft: FakeMicrosoft, graph: GraphClient
) -> None:
    session_plan = await plan("att-online")
    facilitator_mark = AttendanceMark(
        Person("cat@council.gov.uk"), Mark.PRESENT, MarkSource.CHECKIN, Person(FACILITATOR)
    )
    await record_marks(
        database, session_plan.session, [facilitator_mark], writer=writer(), clock=SteppingClock()
    )
    fake_microsoft.calendar.add_report("MSo-attendance-test", [_graph_record("ada@council.gov.uk", 110)])
    report = await pull_teams_attendance(
        database, session_plan, graph=graph, policy=AttendancePolicy(), writer=writer(), clock=SteppingClock()
    )
    assert {o.email: o.action for o in report.outcomes}["cat@council.gov.uk"] is MarkAction.KEPT


async def test_pull_refuses_too_early_no_report_and_graph_failures(
    database: Database, fake_microsoft: FakeMicrosoft, graph: GraphClient
) -> None:
    session_plan = await plan("att-online")
    early = SteppingClock(START)
    with pytest.raises(InvalidRequest, match="has not ended"):
        await pull_teams_attendance(
            database, session_plan, graph=graph, policy=AttendancePolicy(), writer=writer(), clock=early
        )
    with pytest.raises(NotFound, match="no attendance report"):
        await pull_teams_attendance(
            database,
            session_plan,
            graph=graph,
            policy=AttendancePolicy(),
            writer=writer(),
            clock=SteppingClock(),
        )
    with pytest.raises(InvalidRequest, match="no Teams meeting"):
        await pull_teams_attendance(
            database,
            await plan("att-room"),
            graph=graph,
            policy=AttendancePolicy(),
            writer=writer(),
            clock=SteppingClock(),
        )
    stranger = GraphClient(
        GraphSettings.from_mapping(fake_microsoft.graph_config(client_secret="wrong"), "connectors.teams")
    )
    try:
        with pytest.raises(TeamsAttendanceError):
            await pull_teams_attendance(
                database,
                session_plan,
                graph=stranger,
                policy=AttendancePolicy(),
                writer=writer(),
                clock=SteppingClock(),
            )
    finally:
        await stranger.close()
