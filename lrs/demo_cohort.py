"""The demo's programme and cohort (`lrs serve --demo`): something to watch from the first minute.

The demo programme holds the demo e-learning module, two more modules and four academy sessions,
dated around today so that some are behind the cohort and some ahead. Its cohort enrols the demo
learner and a generated group of learners from three fictional councils, whose statements (modules
started, completed, passed; sessions attended) are stored through the normal statement path, so the
worker projects them exactly as it would real activity. Generated once per database; the demo
learner starts with nothing, so finishing the demo module visibly moves their progress.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from lrs.clock import Clock
from lrs.programme.loader import parse_programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.statement_service import credential_authority, record_statements
from lrs.storage.engine import Database
from lrs.storage.programme_models import EnrolmentRow
from lrs.storage.statements import Writer

DEMO_PROGRAMME_ID = "demo-digital-leadership"
DEMO_COHORT_ID = "demo-cohort"
DEMO_LEARNER_EMAIL = "demo.learner@example.gov.uk"
DEMO_LEARNER_NAME = "Demo Learner"
_BASE = "https://cohort-lrs.example/demo"
MODULES = (
    ("digital-basics", "Digital basics for leaders", "CompletedOrPassed"),
    ("data-for-decisions", "Using data for decisions", "Completed"),
    ("buying-technology", "Buying technology well", "Completed"),
)
COUNCILS = (
    ("demo-ashvale", "Ashvale District Council"),
    ("demo-brookmere", "Brookmere County Council"),
    ("demo-cwm-taf", "Cyngor Cwm Taf Uchaf"),
)
_FIRST = ("Amira", "Ben", "Ceri", "Dev", "Eleri", "Femi", "Grace", "Harri", "Imogen", "Jas", "Kofi", "Lowri")
_LAST = ("Patel", "Jones", "Okafor", "Evans", "Walsh", "Hughes", "Nowak", "Price", "Ahmed", "Morgan")
_ROLES = ("Chief Executive", "Director of Place", "Head of Digital", "Head of Customer Services")
GENERATED_LEARNERS = 24


def demo_programme(today: date) -> dict[str, Any]:
    """The definition, dated around `today`: the cohort began six weeks ago and runs six months."""
    start = today - timedelta(weeks=6)
    sessions = [
        {
            "id": f"demo-session-{number}",
            "activity": f"{_BASE}/sessions/demo-session-{number}",
            "title": title,
            "kind": "academy",
            "start": datetime.combine(start + timedelta(weeks=weeks), time(9, 30)),
            "end": datetime.combine(start + timedelta(weeks=weeks), time(12, 30)),
            "online": {"join_url": f"https://teams.example/l/meetup-join/demo-session-{number}"},
        }
        for number, (weeks, title) in enumerate(
            [(1, "Kick-off"), (4, "Residents first"), (8, "Data and ethics"), (12, "Leading change")], 1
        )
    ]
    return {
        "programme": {
            "id": DEMO_PROGRAMME_ID,
            "title": "Demo: Digital Leadership Programme",
            "description": "A demonstration programme created by `lrs serve --demo`.",
        },
        "organisations": [{"id": key, "name": name, "sector": "council"} for key, name in COUNCILS],
        "cohorts": [
            {
                "id": DEMO_COHORT_ID,
                "title": "Demo cohort",
                "start": start,
                "end": start + timedelta(weeks=26),
                "eligibility": {"organisations": [key for key, _ in COUNCILS]},
            }
        ],
        "modules": [
            {"id": key, "activity": f"{_BASE}/modules/{key}", "title": title, "move_on": move_on}
            for key, title, move_on in MODULES
        ],
        "sessions": sessions,
    }


@dataclass(frozen=True)
class _Learner:
    name: str
    email: str
    council: str
    role: str


def generated_learners(rng: random.Random) -> list[_Learner]:
    learners = []
    for number in range(GENERATED_LEARNERS):
        first, last = _FIRST[number % len(_FIRST)], _LAST[(number * 7) % len(_LAST)]
        learners.append(
            _Learner(
                name=f"{first} {last}",
                email=f"{first}.{last}.{number}@example.gov.uk".lower(),
                council=COUNCILS[number % len(COUNCILS)][0],
                role=rng.choice(_ROLES),
            )
        )
    return learners


async def ensure_demo_cohort(database: Database, *, base_url: str, clock: Clock) -> bool:
    """Save the demo programme and, the first time, enrol and generate the cohort. True if generated."""
    now = clock()
    programme = parse_programme(demo_programme(now.date()))
    async with database.write_session() as session, session.begin():
        enrolled = await session.scalar(
            select(func.count()).select_from(EnrolmentRow).where(EnrolmentRow.cohort_id == DEMO_COHORT_ID)
        )
        if enrolled:
            return False  # generated before; its dates stay as they were, so its activity still fits
        await save_programme(session, programme, source="lrs serve --demo", now=now)
        rng = random.Random(20261207)
        learners = generated_learners(rng)
        rows = [
            RosterRow(line=1, name=DEMO_LEARNER_NAME, email=DEMO_LEARNER_EMAIL, organisation=COUNCILS[0][0])
        ]
        rows += [
            RosterRow(line=n, name=item.name, email=item.email, organisation=item.council, role=item.role)
            for n, item in enumerate(learners, 2)
        ]
        await import_roster(session, rows, cohort_id=DEMO_COHORT_ID, now=now)
    statements = list(_activity(learners, programme_start=now - timedelta(weeks=6), now=now, rng=rng))
    writer = Writer(
        credential_id=None,
        authority=credential_authority(base_url, "demo-generator", "demo activity generator"),
        may_define=True,
    )
    for offset in range(0, len(statements), 200):
        await record_statements(
            database, statements[offset : offset + 200], writer=writer, clock=clock, version="2.0.0"
        )
    return True


def _activity(
    learners: list[_Learner], *, programme_start: datetime, now: datetime, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """Each learner gets a pace: some keen, some steady, some quiet since the start."""
    first_day = programme_start.date()
    sessions_held = [
        datetime.combine(first_day + timedelta(weeks=weeks), time(10, 0), tzinfo=UTC)
        for weeks in (1, 4)
        if datetime.combine(first_day + timedelta(weeks=weeks), time(12, 30), tzinfo=UTC) < now
    ]
    for learner in learners:
        pace = rng.choice(("keen", "keen", "steady", "steady", "steady", "quiet"))
        modules_done = {"keen": 3, "steady": rng.randint(1, 2), "quiet": 0}[pace]
        when = programme_start + timedelta(days=rng.randint(1, 5))
        for index, (key, title, _move_on) in enumerate(MODULES):
            activity = _module(key, title)
            yield _statement(learner, "launched", activity, when)
            if index < modules_done:
                when += timedelta(days=rng.randint(2, 9), minutes=rng.randint(20, 50))
                score = round(rng.uniform(0.6, 1.0), 2)
                result = {"completion": True, "duration": f"PT{rng.randint(20, 55)}M"}
                yield _statement(learner, "completed", activity, min(when, now), result)
                if key == "digital-basics":
                    yield _statement(
                        learner,
                        "passed",
                        activity,
                        min(when, now),
                        {"score": {"scaled": score}, "success": True},
                    )
            else:
                break
        for number, held in enumerate(sessions_held, 1):
            if pace != "quiet" and rng.random() < 0.85:
                session = {"objectType": "Activity", "id": f"{_BASE}/sessions/demo-session-{number}"}
                yield _statement(learner, "attended", session, held)


def _module(key: str, title: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{_BASE}/modules/{key}",
        "definition": {"name": {"en-GB": title}, "type": "http://adlnet.gov/expapi/activities/module"},
    }


def _statement(
    learner: _Learner,
    verb: str,
    activity: dict[str, Any],
    when: datetime,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo:{learner.email}:{verb}:{activity['id']}")),
        "actor": {"objectType": "Agent", "name": learner.name, "mbox": f"mailto:{learner.email}"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-GB": verb}},
        "object": activity,
        "timestamp": when.isoformat(),
    }
    if result is not None:
        statement["result"] = result
    return statement
