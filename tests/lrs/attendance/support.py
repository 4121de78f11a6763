"""A small programme with one cohort and three sessions, and its roster, for attendance tests."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lrs.attendance.sessions import ExpectedAttendee, SessionPlan, StaticSessionDirectory
from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme
from lrs.statement_service import system_writer
from lrs.storage.statements import Writer

PROGRAMME_ID = "attendance-test"
COHORT_ID = "att-2025"
ORGANISER = "academy@council.gov.uk"
FACILITATOR = "fran.facilitator@council.gov.uk"
ROOM_IRI = "https://cohort-lrs.example/attendance-test/room"
ONLINE_IRI = "https://cohort-lrs.example/attendance-test/online"
JOIN_URL = "https://teams.example/l/meetup-join/attendance-test-online"

PROGRAMME_TOML = f"""
[programme]
id = "{PROGRAMME_ID}"
title = "Attendance test programme"

[[organisations]]
id = "ashbourne-vale-dc"
name = "Ashbourne Vale District Council"
sector = "council"

[[cohorts]]
id = "{COHORT_ID}"
title = "Autumn 2025"
start = 2025-09-15
end = 2026-04-30

[[sessions]]
id = "att-room"
activity = "{ROOM_IRI}"
title = "Block day: leading digital change"
kind = "block-day"
start = 2025-10-14T10:00:00
end = 2025-10-14T12:00:00
location = "Wyecliffe Hall, Warwickshire"

[[sessions]]
id = "att-online"
activity = "{ONLINE_IRI}"
title = "Academy 1: user research"
kind = "academy"
start = 2025-10-21T10:00:00
end = 2025-10-21T12:00:00
online = {{ join_url = "{JOIN_URL}", organiser = "{ORGANISER}" }}

[[sessions]]
id = "att-pair"
activity = "https://cohort-lrs.example/attendance-test/pair"
title = "Coaching pair"
kind = "coaching"
start = 2025-10-22T10:00:00
end = 2025-10-22T11:00:00
location = "Room 2, Local Government House"
attendees = ["ada@council.gov.uk", "bob@council.gov.uk"]
"""

LEARNERS = (
    ExpectedAttendee("ada@council.gov.uk", "Ada Lovelace"),
    ExpectedAttendee("bob@council.gov.uk", "Bob Brown"),
    ExpectedAttendee("cat@council.gov.uk", "Cat Jones"),
)

ROSTER_CSV = "name,work email,council,cohort\n" + "".join(
    f"{learner.name},{learner.email},ashbourne-vale-dc,{COHORT_ID}\n" for learner in LEARNERS
)


def programme() -> Programme:
    return parse_programme(tomllib.loads(PROGRAMME_TOML))


def directory() -> StaticSessionDirectory:
    return StaticSessionDirectory([programme()], {(PROGRAMME_ID, COHORT_ID): LEARNERS})


async def plan(session_id: str) -> SessionPlan:
    return await directory().session_plan(session_id)


def writer() -> Writer:
    return system_writer("http://lrs.test")


@dataclass
class SteppingClock:
    """A clock tests move by hand; each reading is 1 ms later so stored times stay ordered."""

    now: datetime = field(default_factory=lambda: datetime(2025, 10, 21, 12, 30, tzinfo=UTC))
    readings: int = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return self.now + timedelta(milliseconds=self.readings)
