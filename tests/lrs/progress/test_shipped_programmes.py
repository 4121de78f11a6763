"""Every shipped programme (config/programmes/) can be completed: a learner who does every item of
their cohort gets `programme.completed` (the round tables have no [completion]: every item counts)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lrs.programme.eligibility import ineligibility_reason
from lrs.programme.loader import load_programme_dir, load_programme_file
from lrs.programme.model import Organisation, Programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.progress.projection import cohort_start
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from tests.conftest import migrated_database
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import post, projector_and_worker, statement

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "programmes"
PATHS = sorted(SHIPPED.glob("*.toml"))
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


@pytest.fixture
async def sqlite_database(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated_database(sqlite_url) as opened:
        yield opened


def learner_email(programme: Programme, cohort_id: str) -> str:
    """An address every session of the cohort expects (sessions may name their attendees)."""
    for item in programme.sessions_of(cohort_id):
        if item.expected_attendees:
            return item.expected_attendees[0]
    return "completer@example.gov.uk"


def every_item(programme: Programme, cohort_id: str, email: str) -> list[dict[str, Any]]:
    start = cohort_start(programme.cohort(cohort_id)) + timedelta(days=1)
    done = {"score": {"scaled": 1.0}, "success": True, "completion": True}
    statements = [
        statement(email, verb, module.activity_iri, start, result=done if verb == verbs.PASSED else None)
        for module in programme.modules
        for verb in (verbs.COMPLETED, verbs.PASSED)
    ]
    statements += [
        statement(email, verbs.ATTENDED, item.activity_iri, item.start + timedelta(minutes=5))
        for item in programme.sessions_of(cohort_id)
        if item.expected_attendees is None or email in item.expected_attendees
    ]
    if (confidence := programme.confidence) is not None:
        for iri in (confidence.pre_activity_iri, confidence.post_activity_iri):
            statements.append(
                statement(email, ANSWERED, iri, start, result={"score": {"raw": confidence.scale_max}})
            )
    return statements


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
async def test_a_learner_who_does_everything_completes_the_programme(
    sqlite_database: Database, path: Path
) -> None:
    database = sqlite_database
    programmes = load_programme_dir(SHIPPED)  # all of them: organisations are shared
    wanted = load_programme_file(path).id
    [programme] = [item for item in programmes if item.id == wanted]
    cohort = programme.cohorts[0]
    clock = SettableClock(cohort_start(cohort))
    organisations: list[Organisation] = [org for item in programmes for org in item.organisations]
    organisation = next(org for org in organisations if ineligibility_reason(programme, cohort, org) is None)
    email = learner_email(programme, cohort.id)
    async with database.write_session() as session, session.begin():
        for item in programmes:
            await save_programme(session, item, source="test", now=clock.now)
        row = RosterRow(2, "Ada Completer", email, "", organisation.id, "Director", cohort.id)
        report = await import_roster(session, [row], now=clock.now)
        assert report.written, report
    _projector, worker = projector_and_worker(database, clock)
    await worker.run_until_idle()
    clock.now = max([item.end for item in programme.sessions_of(cohort.id)], default=clock.now) + timedelta(
        hours=1
    )
    await post(database, every_item(programme, cohort.id, email), clock)
    await worker.run_until_idle()
    async with database.read_session() as session:
        completed = [
            json.loads(payload)
            for payload in await session.scalars(
                select(OutboxEvent.payload).where(OutboxEvent.topic == "programme.completed")
            )
        ]
    assert [(item["programme_id"], item["cohort_id"]) for item in completed] == [(programme.id, cohort.id)]
