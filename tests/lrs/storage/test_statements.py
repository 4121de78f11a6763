"""Storing statements through `record_statements` (the SQLite thread path, PostgreSQL's async path)
and through `store_statements` in a caller's AsyncSession: voiding in every arrival order, re-posts,
conflicts, and all-or-nothing batches."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from lrs.clock import utc_now
from lrs.errors import Conflict, InvalidRequest
from lrs.statement_service import record_statements, system_writer
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent, Person, Statement
from lrs.storage.statements import complete_statements, load_statements_by_id, store_statements
from lrs.xapi.statements import validate_statements

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
WRITER = system_writer("http://lrs.test")


def _statement(learner: str = "ada", statement_id: str | None = None) -> dict[str, Any]:
    return {
        "id": statement_id or str(uuid.uuid4()),
        "actor": {"mbox": f"mailto:{learner}@council.gov.uk", "name": learner.title()},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://cohort-lrs.example/modules/m1", "definition": {"name": {"en-GB": "M1"}}},
    }


def _voiding(target: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:admin@council.gov.uk"},
        "verb": {"id": VOIDED},
        "object": {"objectType": "StatementRef", "id": target},
    }


async def _record(database: Database, *statements: dict[str, Any]) -> list[str]:
    validated = validate_statements(list(statements), version="1.0.3")
    return await record_statements(database, validated, writer=WRITER, clock=utc_now, version="1.0.3")


async def _voided(database: Database) -> dict[str, bool]:
    async with database.read_session() as session:
        rows = await session.execute(select(Statement.statement_id, Statement.voided))
        return {statement_id: bool(voided) for statement_id, voided in rows}


async def _count(database: Database, model: type[Statement] | type[OutboxEvent]) -> int:
    async with database.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_statement_that_arrives_after_its_voider_is_stored_voided(database: Database) -> None:
    target = _statement()
    [voider] = await _record(database, _voiding(target["id"]))
    await _record(database, target, _statement("bob"))
    voided = await _voided(database)
    assert voided[target["id"]] is True
    assert voided[voider] is False
    assert list(voided.values()).count(True) == 1


@pytest.mark.parametrize("voider_first", [True, False])
async def test_a_batch_may_carry_a_statement_and_its_voider(database: Database, voider_first: bool) -> None:
    target = _statement()
    pair = [_voiding(target["id"]), target] if voider_first else [target, _voiding(target["id"])]
    await _record(database, *pair)
    assert (await _voided(database))[target["id"]] is True


async def test_voiding_a_stored_statement_and_refusing_to_void_a_voider(database: Database) -> None:
    [target] = await _record(database, _statement())
    voiding = _voiding(target)
    await _record(database, voiding)
    assert (await _voided(database))[target] is True
    with pytest.raises(InvalidRequest):
        await _record(database, _voiding(voiding["id"]))
    assert (await _voided(database))[voiding["id"]] is False


async def test_an_identical_repost_is_a_no_op_and_other_content_conflicts(database: Database) -> None:
    first = _statement()
    await _record(database, first)
    events = await _count(database, OutboxEvent)
    again = await _record(database, first)
    assert again == [first["id"]]
    assert (await _count(database, Statement), await _count(database, OutboxEvent)) == (1, events)
    with pytest.raises(Conflict):
        await _record(database, _statement("eve", first["id"]), _statement("fay"))
    assert await _count(database, Statement) == 1  # the batch's other statement was not kept


async def test_stored_bodies_are_hydrated_back(database: Database) -> None:
    statement = _statement("grace")
    await _record(database, statement)
    async with database.read_session() as session:
        loaded = await load_statements_by_id(session, [statement["id"]])
    assert loaded[statement["id"]]["actor"] == {"mbox": "mailto:grace@council.gov.uk", "name": "Grace"}
    assert loaded[statement["id"]]["object"]["definition"] == {"name": {"en-GB": "M1"}}


async def test_store_statements_runs_in_the_callers_async_transaction(database: Database) -> None:
    stored = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    completed = complete_statements([_statement("hal")], writer=WRITER, stored=stored, version="1.0.3")
    async with database.write_session() as session, session.begin():
        await store_statements(session, completed, (), writer=WRITER, stored=stored, version="1.0.3")
        await session.rollback()
    assert await _count(database, Statement) == 0
    async with database.write_session() as session, session.begin():
        ids = await store_statements(session, completed, (), writer=WRITER, stored=stored, version="1.0.3")
    assert (await _voided(database)).keys() == set(ids)
    assert await _count(database, OutboxEvent) == 1


async def test_statement_stored_events_name_the_actors_person_row(database: Database) -> None:
    """Listeners find the learner from `actor_person` without loading the statement (and no IFI, which
    is personal data, goes into the outbox)."""
    anonymous_group = {
        **_statement(),
        "actor": {"objectType": "Group", "member": [{"mbox": "mailto:ben@council.gov.uk"}]},
    }
    about_a_person = {
        **_statement("cy"),
        "object": {"objectType": "Agent", "mbox": "mailto:ada@council.gov.uk"},
    }
    batch = [_statement("ada"), anonymous_group, about_a_person]
    await _record(database, *batch)
    async with database.read_session() as session:
        persons = dict((await session.execute(select(Person.ifi, Person.id))).all())
        payloads = [
            json.loads(payload)
            for payload in await session.scalars(
                select(OutboxEvent.payload).where(OutboxEvent.topic == "statement.stored")
            )
        ]
    by_statement = {payload["statement_id"]: payload for payload in payloads}
    assert by_statement[batch[0]["id"]]["actor_person"] == persons["mbox:mailto:ada@council.gov.uk"]
    assert by_statement[batch[1]["id"]]["actor_person"] is None  # its member is no actor of its own
    assert by_statement[batch[2]["id"]]["actor_person"] == persons["mbox:mailto:cy@council.gov.uk"]
    assert all("mailto" not in json.dumps(payload) for payload in payloads)
