"""A small programme for progress tests, its roster, and statement builders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from lrs.clock import Clock
from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.statement_service import record_statements, system_writer
from lrs.storage.engine import Database
from lrs.storage.programme_models import LearnerRow

BASE = "https://cohort-lrs.example/progress-test"
COHORT_START = datetime(2026, 1, 5, tzinfo=UTC)


def lead_definition() -> dict[str, Any]:
    def session(session_id: str, day: int) -> dict[str, Any]:
        return {
            "id": session_id,
            "cohort": "lead-1",
            "activity": f"{BASE}/sessions/{session_id}",
            "title": session_id.title(),
            "kind": "academy",
            "location": "Town Hall",
            "start": f"2026-02-{day:02d}T10:00:00",
            "end": f"2026-02-{day:02d}T12:00:00",
        }

    return {
        "programme": {"id": "lead", "title": "Lead"},
        "organisations": [{"id": "north-council", "name": "North Council", "sector": "council"}],
        "cohorts": [{"id": "lead-1", "title": "Lead 1", "start": "2026-01-05", "end": "2026-06-30"}],
        "modules": [
            {"id": "intro", "activity": f"{BASE}/intro", "title": "Intro", "move_on": "Completed"},
            {
                "id": "quiz",
                "activity": f"{BASE}/quiz",
                "title": "Quiz",
                "move_on": "Passed",
                "mastery_score": 0.8,
                "blocks": ["core"],
            },
        ],
        "sessions": [session("s1", 10), session("s2", 17)],
        "blocks": [{"id": "core", "title": "Core", "sessions": ["s1"]}],
        "completion": {"modules": ["intro", "quiz"], "min_academy_sessions": 2},
        "confidence": {"pre_activity": f"{BASE}/confidence/pre", "post_activity": f"{BASE}/confidence/post"},
    }


async def install_cohort(
    database: Database, emails: list[str], now: datetime
) -> tuple[Programme, dict[str, int]]:
    programme = parse_programme(lead_definition())
    rows = [
        RosterRow(
            line=index + 2,
            name=f"Learner {index}",
            email=email,
            organisation="north-council",
            role="Head of Digital",
            cohort="lead-1",
        )
        for index, email in enumerate(emails)
    ]
    async with database.write_session() as session, session.begin():
        await save_programme(session, programme, source="test", now=now)
        await import_roster(session, rows, now=now)
        found = await session.execute(select(LearnerRow.email, LearnerRow.id))
        return programme, dict(found.all())


def statement(
    email: str, verb: str, activity: str, at: datetime, *, result: dict[str, Any] | None = None
) -> dict[str, Any]:
    built: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": activity},
        "timestamp": at.isoformat(),
    }
    if result is not None:
        built["result"] = result
    return built


def voiding(target: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": target["actor"],
        "verb": {"id": verbs.VOIDED},
        "object": {"objectType": "StatementRef", "id": target["id"]},
        "timestamp": at.isoformat(),
    }


async def post(database: Database, statements: list[dict[str, Any]], clock: Clock) -> None:
    await record_statements(
        database, statements, writer=system_writer("https://lrs.test"), clock=clock, version="1.0.3"
    )
