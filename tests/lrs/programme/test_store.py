"""Saving programmes: idempotent, versioned, rows follow the definition, lookups by activity IRI."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lrs.errors import Conflict
from lrs.programme.loader import load_programme_paths, parse_programme
from lrs.programme.model import MoveOn, SessionKind
from lrs.programme.queries import (
    cohort_record,
    cohort_sessions,
    module_by_activity,
    modules_by_activity,
    session_by_activity,
)
from lrs.programme.roster import parse_roster_csv
from lrs.programme.roster_import import import_roster
from lrs.programme.store import list_programmes, save_programme, save_programmes, stored_programme
from lrs.storage.engine import Database
from lrs.storage.programme_models import SessionRow
from tests.lrs.programme.conftest import NOW
from tests.lrs.programme.definitions import BASE, EXAMPLES_DIR, minimal_definition

LATER = datetime(2025, 8, 2, tzinfo=UTC)
ENROL = "name,email,council\nAda Jones,ada@north.gov.example,north-council\n"


async def test_saving_the_same_definition_again_changes_nothing(database: Database) -> None:
    async with database.write_session() as session, session.begin():
        result = await save_programme(
            session, parse_programme(minimal_definition()), source="test", now=LATER
        )
    assert (result.changed, result.version) == (False, 1)


async def test_a_changed_definition_is_a_new_version_and_rows_follow_it(database: Database) -> None:
    definition = copy.deepcopy(minimal_definition())
    definition["sessions"][1]["title"] = "Academy 1: renamed"
    definition["sessions"].pop(2)  # academy-2 goes
    definition["completion"]["min_academy_sessions"] = 1
    async with database.read_session() as session:
        before = await session.scalar(select(SessionRow.pk).where(SessionRow.session_id == "academy-1"))
    async with database.write_session() as session, session.begin():
        result = await save_programme(session, parse_programme(definition), source="api", now=LATER)
    assert (result.changed, result.version) == (True, 2)
    async with database.read_session() as session:
        sessions = await cohort_sessions(session, "pilot-1")
        after = await session.scalar(select(SessionRow.pk).where(SessionRow.session_id == "academy-1"))
        summaries = await list_programmes(session)
        stored = await stored_programme(session, "pilot")
    assert [item.session_id for item in sessions] == ["block-day", "academy-1", "review"]
    assert sessions[1].title == "Academy 1: renamed"
    assert after == before  # rows are updated in place, keeping their ids
    assert (summaries[0].version, summaries[0].source) == (2, "api")
    assert stored == parse_programme(definition)


async def test_lookups_by_activity_iri(database: Database) -> None:
    async with database.read_session() as session:
        found = await session_by_activity(session, f"{BASE}/pilot/sessions/academy-1")
        module = await module_by_activity(session, f"{BASE}/pilot/cyber", "pilot")
        missing = await session_by_activity(session, f"{BASE}/nothing")
        cohort = await cohort_record(session, "pilot-1")
    assert found is not None and found.kind is SessionKind.ACADEMY and found.cohort_id == "pilot-1"
    assert found.start == datetime(2025, 10, 14, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert module is not None and module.move_on is MoveOn.PASSED and module.mastery_score == 0.8
    assert missing is None
    assert (cohort.programme_id, cohort.start.isoformat()) == ("pilot", "2025-09-01")


async def test_one_module_activity_can_serve_two_programmes(database: Database) -> None:
    async with database.write_session() as session, session.begin():
        await save_programmes(session, load_programme_paths(EXAMPLES_DIR), now=NOW)
    iri = "https://cohort-lrs.example/learn-adapt-lead/modules/cyber-resilience"
    async with database.read_session() as session:
        modules = await modules_by_activity(session, iri)
        count = await session.scalar(select(func.count()).select_from(SessionRow))
    assert [item.programme_id for item in modules] == ["learn-adapt-lead", "member-digital-academy"]
    assert count == 4 + 8 + 20 + 7 + 13 + 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["cohorts"][0].update(id="pilot-1"), "already belongs to programme 'pilot'"),
        (lambda d: d["sessions"][1].update(activity=f"{BASE}/pilot/sessions/academy-1"), "already a session"),
    ],
)
async def test_cohort_ids_and_session_activities_are_unique_across_programmes(
    database: Database, change: object, message: str
) -> None:
    other = minimal_definition("other", "other-1")
    assert callable(change)
    change(other)
    async with database.write_session() as session, session.begin():
        with pytest.raises(Conflict, match=message):
            await save_programme(session, parse_programme(other), source="test", now=LATER)


async def test_a_cohort_with_enrolments_cannot_be_removed_but_an_empty_one_can(database: Database) -> None:
    renamed = copy.deepcopy(minimal_definition())
    renamed["cohorts"][0]["id"] = "pilot-2"
    async with database.write_session() as session, session.begin():
        result = await save_programme(session, parse_programme(renamed), source="test", now=LATER)
        assert result.version == 2
        moved = await cohort_sessions(session, "pilot-2")
        assert len(moved) == 4 and {item.cohort_id for item in moved} == {"pilot-2"}
        assert await cohort_sessions(session, "pilot-1") == []
        await import_roster(session, parse_roster_csv(ENROL), cohort_id="pilot-2", now=LATER)
    back = minimal_definition()
    async with database.write_session() as session, session.begin():
        with pytest.raises(Conflict, match="cohort 'pilot-2' has enrolments"):
            await save_programme(session, parse_programme(back), source="test", now=LATER)
