"""The rows a batch of new statements adds: the statements themselves and their filter-index rows.

Rows go in as one DBAPI executemany of a prebuilt INSERT with plain tuples: the values need no type
processing (strings, ints, booleans), and SQLAlchemy's per-row parameter handling was most of the
write path's time (a 100-statement batch adds some 800 rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection

from lrs import json_codec
from lrs.storage.agents import AgentRefs
from lrs.storage.base import Base
from lrs.storage.dehydration import dehydrate_with_agents
from lrs.storage.driver_sql import insert_tuples
from lrs.storage.models import Statement, StatementActivity, StatementAgent, StatementRef
from lrs.xapi.activities import statement_activities

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_DIRECT_ROLES = frozenset({"actor", "object"})


def voided_target(statement: Mapping[str, Any]) -> str | None:
    """The id a voiding statement targets, or None when the statement does not void."""
    target = statement.get("object")
    verb = statement.get("verb")
    # dict, not Mapping: parsed JSON is made of dicts, and the ABC check is several times slower.
    is_voiding = isinstance(verb, dict) and verb.get("id") == VOIDED_VERB
    if is_voiding and isinstance(target, dict) and target.get("objectType") == "StatementRef":
        return str(target.get("id")).lower()
    return None


def statement_ref_target(statement: Mapping[str, Any]) -> str | None:
    """The id of the statement a StatementRef object points at."""
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "StatementRef":
        return str(target.get("id")).lower()
    return None


class StatementFacts(NamedTuple):
    """What the write path needs to know about one new statement, worked out once. (A NamedTuple:
    built for every statement stored, and a frozen dataclass took several times as long to make.)"""

    statement: dict[str, Any]
    body: dict[str, Any]  # dehydrated: what is stored
    voided_target: str | None
    ref_target: str | None
    agents: list[tuple[str, str]]  # (role, ifi) for the `statement_agents` rows
    activities: list[tuple[str, str]]  # (role, activity IRI)


def statement_facts(statements: Sequence[dict[str, Any]], refs: AgentRefs) -> list[StatementFacts]:
    """Facts for each statement; dehydrating them collects their agent forms in `refs`."""
    facts = []
    for statement in statements:
        body, agents = dehydrate_with_agents(statement, refs)
        facts.append(
            StatementFacts(
                statement,
                body,
                voided_target(statement),
                statement_ref_target(statement),
                agents,
                statement_activities(statement),
            )
        )
    return facts


_STATEMENT_COLUMNS = (
    "pk",
    "statement_id",
    "stored_us",
    "verb_iri",
    "registration",
    "voided",
    "voids_id",
    "credential_id",
    "body",
)


def insert_statement_rows(
    connection: Connection,
    facts: Sequence[StatementFacts],
    *,
    credential_id: int | None,
    stored_us: int,
) -> list[int]:
    """Insert new (completed) statements with their dehydrated bodies; return their keys in order."""
    # Keys are allocated up front, so the rows go in as one executemany without RETURNING (which
    # SQLite can only honour row by row), and in id order so that two batches sharing new statement
    # ids lock them in the same order.
    pks = _allocate_pks(connection, len(facts))
    rows = [
        (
            pk,
            fact.statement["id"],
            stored_us,
            fact.statement["verb"]["id"],
            (fact.statement.get("context") or {}).get("registration"),
            False,
            fact.voided_target,
            credential_id,
            json_codec.dumps(fact.body),
        )
        for fact, pk in zip(facts, pks, strict=True)
    ]
    edges = [
        (pk, fact.statement["id"], fact.ref_target)
        for fact, pk in zip(facts, pks, strict=True)
        if fact.ref_target is not None
    ]
    rows.sort(key=lambda row: row[1])
    insert_tuples(connection, _table(Statement), _STATEMENT_COLUMNS, rows)
    insert_tuples(connection, _table(StatementRef), ("referrer_pk", "referrer_id", "target_id"), edges)
    return pks


def _allocate_pks(connection: Connection, count: int) -> list[int]:
    if connection.dialect.name == "postgresql":
        result = connection.execute(
            text("SELECT nextval(pg_get_serial_sequence('statements', 'pk')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return sorted(int(pk) for (pk,) in result)
    # SQLite: this transaction holds the database's write lock (BEGIN IMMEDIATE), so max(pk) is ours.
    # Driver SQL: the Core select cost several times the query (an index lookup).
    highest = connection.exec_driver_sql("SELECT coalesce(max(pk), 0) FROM statements").scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def insert_index_rows(
    connection: Connection,
    facts: Sequence[StatementFacts],
    pks: Sequence[int],
    *,
    activity_ids: Mapping[str, int],
    refs: AgentRefs,
    stored_us: int,
) -> None:
    """The `statement_agents` and `statement_activities` rows the query filters use."""
    person_ids = refs.person_ids
    agent_rows: list[tuple[Any, ...]] = []
    activity_rows: list[tuple[Any, ...]] = []
    for fact, pk in zip(facts, pks, strict=True):
        # One row per person and per activity, direct when any of its roles is (first-seen order).
        people: dict[int, bool] = {}
        for role, ifi in fact.agents:
            if role in _DIRECT_ROLES:
                people[person_ids[ifi]] = True
            else:
                people.setdefault(person_ids[ifi], False)
        agent_rows += [(pk, person, direct, stored_us) for person, direct in people.items()]
        activities: dict[int, bool] = {}
        for role, iri in fact.activities:
            if role == "object":
                activities[activity_ids[iri]] = True
            else:
                activities.setdefault(activity_ids[iri], False)
        activity_rows += [(pk, activity, direct, stored_us) for activity, direct in activities.items()]
    agent_columns = ("statement_pk", "person_id", "direct", "stored_us")
    insert_tuples(connection, _table(StatementAgent), agent_columns, agent_rows)
    activity_columns = ("statement_pk", "activity_id", "direct", "stored_us")
    insert_tuples(connection, _table(StatementActivity), activity_columns, activity_rows)


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]
