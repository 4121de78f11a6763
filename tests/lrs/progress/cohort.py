"""A small programme for progress tests, its roster, statement builders, and readers of what the
projection wrote."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from lrs.clock import Clock
from lrs.events.bus import EventBus
from lrs.events.worker import OutboxWorker
from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.progress.install import progress_options
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.statement_service import record_statements, system_writer
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent, Statement
from lrs.storage.programme_models import LearnerRow
from lrs.storage.progress_models import ConfidenceResult, ProgressLearner, ProgressRecord, Timer
from lrs.storage.statements import load_statements_by_id

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


EMAILS = ["ada@north.gov.uk", "ben@north.gov.uk", "cy@north.gov.uk"]


def story() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(statements, voiding statements) for three learners."""
    day = COHORT_START + timedelta(days=3)
    ada, ben, cy = EMAILS
    quiz_ok = {"score": {"scaled": 0.9}, "success": True}
    voided_completion = statement(cy, verbs.COMPLETED, f"{BASE}/intro", day)
    statements = [
        statement(ada, "http://adlnet.gov/expapi/verbs/initialized", f"{BASE}/intro", day),
        statement(ada, verbs.COMPLETED, f"{BASE}/intro", day + timedelta(minutes=20)),
        statement(
            ada, verbs.TERMINATED, f"{BASE}/intro", day + timedelta(minutes=21), result={"duration": "PT21M"}
        ),
        statement(
            ada, verbs.FAILED, f"{BASE}/quiz", day + timedelta(days=1), result={"score": {"scaled": 0.5}}
        ),
        statement(ada, verbs.PASSED, f"{BASE}/quiz", day + timedelta(days=2), result=quiz_ok),
        statement(ada, verbs.ATTENDED, f"{BASE}/sessions/s1", day + timedelta(days=36)),
        statement(ada, verbs.ATTENDED, f"{BASE}/sessions/s2", day + timedelta(days=43)),
        statement(
            ada,
            "http://adlnet.gov/expapi/verbs/answered",
            f"{BASE}/confidence/pre",
            day,
            result={"score": {"raw": 2, "min": 1, "max": 5}},
        ),
        statement(
            ada,
            "http://adlnet.gov/expapi/verbs/answered",
            f"{BASE}/confidence/post",
            day + timedelta(days=60),
            result={"score": {"raw": 4, "min": 1, "max": 5}},
        ),
        statement(ben, verbs.PASSED, f"{BASE}/quiz", day, result={"score": {"scaled": 0.6}}),  # below mastery
        statement(ben, verbs.ABSENT, f"{BASE}/sessions/s1", day + timedelta(days=36)),
        statement(ben, verbs.ATTENDED, f"{BASE}/sessions/s2", day + timedelta(days=43)),
        voided_completion,
        statement(cy, "http://adlnet.gov/expapi/verbs/experienced", f"{BASE}/intro", day),
    ]
    random.Random(7).shuffle(statements)
    return statements, [voiding(voided_completion, day + timedelta(days=1))]


INITIALIZED = "http://adlnet.gov/expapi/verbs/initialized"
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"


def burst(email: str, start: int) -> list[dict[str, Any]]:
    """A learner working through the intro and the quiz in one sitting."""
    day = COHORT_START + timedelta(days=3, minutes=start)
    steps = [
        (INITIALIZED, "intro", 0, None),
        (PROGRESSED, "intro", 5, None),
        (verbs.COMPLETED, "intro", 20, None),
        (INITIALIZED, "quiz", 21, None),
        (verbs.PASSED, "quiz", 30, {"score": {"scaled": 0.9}}),
    ]
    return [
        statement(email, verb, f"{BASE}/{module}", day + timedelta(minutes=minutes), result=result)
        for verb, module, minutes, result in steps
    ]


async def snapshot(database: Database) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    async with database.read_session() as session:
        rows = await session.scalars(select(ProgressRecord))
        progress = sorted(
            (
                r.learner_id,
                r.item_kind,
                r.item_id,
                r.status,
                r.first_activity_at,
                r.last_activity_at,
                r.completed_at,
                r.satisfied_at,
                r.score_scaled,
                r.time_spent_ms,
            )
            for r in rows
        )
        answers = await session.scalars(select(ConfidenceResult))
        confidence = sorted((a.learner_id, a.phase, a.score_raw, a.score_scaled) for a in answers)
        return progress, confidence


async def topics(database: Database) -> Counter[tuple[str, Any, Any]]:
    async with database.read_session() as session:
        rows = await session.execute(select(OutboxEvent.topic, OutboxEvent.payload))
        counted: Counter[tuple[str, Any, Any]] = Counter()
        for topic, payload in rows:
            data = json.loads(payload)
            item = data.get("module_id") or data.get("session_id") or data.get("block_id")
            counted[(topic, data.get("learner_id"), item)] += 1
        return counted


def projector_and_worker(
    database: Database, clock: Clock, *, inactive_after_days: int = 14
) -> tuple[ProgressProjector, OutboxWorker]:
    settings = replace(
        Settings(), public_url="https://lrs.test", notifications={"inactive_after_days": inactive_after_days}
    )
    projector = ProgressProjector(progress_options(settings), clock=clock)
    bus = EventBus()
    projector.subscribe(bus)
    return projector, OutboxWorker(database, bus, clock=clock)


async def activity_state(database: Database, learner_id: int) -> tuple[datetime | None, datetime | None]:
    """(stored last activity, inactivity timer due) of a learner in lead-1."""
    async with database.read_session() as session:
        last = await session.scalar(
            select(ProgressLearner.last_activity_at).where(ProgressLearner.learner_id == learner_id)
        )
        due = await session.scalar(
            select(Timer.due_at).where(Timer.key == f"inactive:lead:lead-1:{learner_id}")
        )
        return last, due


async def rows_of(database: Database, learner_id: int) -> dict[tuple[str, str], ProgressRecord]:
    async with database.read_session() as session:
        rows = await session.scalars(select(ProgressRecord).where(ProgressRecord.learner_id == learner_id))
        return {(row.item_kind, row.item_id): row for row in rows}


async def satisfied_statements(database: Database) -> list[dict[str, Any]]:
    """Every satisfied statement the LRS stored, hydrated, with `voided` added."""
    async with database.read_session() as session:
        rows = await session.execute(
            select(Statement.statement_id, Statement.voided).where(Statement.verb_iri == verbs.SATISFIED)
        )
        voided = dict(rows.all())
        bodies = await load_statements_by_id(session, list(voided))
    return sorted(
        ({**bodies[sid], "voided": flag} for sid, flag in voided.items()),
        key=lambda item: (item["object"]["id"], item["stored"], item["id"]),
    )
