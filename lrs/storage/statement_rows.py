"""The rows a batch of new statements adds: the statements themselves and their filter-index rows.

Core statements on a Connection: the ORM's per-row bookkeeping buys nothing for rows that are never
loaded back as objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Connection

from lrs import json_codec
from lrs.storage.agents import AgentRefs
from lrs.storage.base import Base
from lrs.storage.models import Statement, StatementActivity, StatementAgent, StatementRef
from lrs.xapi.activities import statement_activities
from lrs.xapi.agents import statement_agents

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_DIRECT_ROLES = frozenset({"actor", "object"})


def voided_target(statement: Mapping[str, Any]) -> str | None:
    """The id a voiding statement targets, or None when the statement does not void."""
    target = statement.get("object")
    verb = statement.get("verb")
    is_voiding = isinstance(verb, Mapping) and verb.get("id") == VOIDED_VERB
    if is_voiding and isinstance(target, Mapping) and target.get("objectType") == "StatementRef":
        return str(target.get("id")).lower()
    return None


def statement_ref_target(statement: Mapping[str, Any]) -> str | None:
    """The id of the statement a StatementRef object points at."""
    target = statement.get("object")
    if isinstance(target, Mapping) and target.get("objectType") == "StatementRef":
        return str(target.get("id")).lower()
    return None


def insert_statement_rows(
    connection: Connection,
    statements: Sequence[Mapping[str, Any]],
    bodies: Sequence[dict[str, Any]],
    *,
    credential_id: int | None,
    stored_us: int,
) -> list[int]:
    """Insert new (completed) statements with their dehydrated bodies; return their keys in order."""
    rows = [
        {
            "statement_id": statement["id"],
            "stored_us": stored_us,
            "verb_iri": statement["verb"]["id"],
            "registration": (statement.get("context") or {}).get("registration"),
            "voided": False,
            "voids_id": voided_target(statement),
            "credential_id": credential_id,
            "body": json_codec.dumps(body),
        }
        for statement, body in zip(statements, bodies, strict=True)
    ]
    # Keys are allocated up front, so the rows go in as one executemany without RETURNING (which
    # SQLite can only honour row by row), and in id order so that two batches sharing new statement
    # ids lock them in the same order.
    pks = _allocate_pks(connection, len(rows))
    for row, pk in zip(rows, pks, strict=True):
        row["pk"] = pk
    edges = [
        {"referrer_pk": row["pk"], "referrer_id": row["statement_id"], "target_id": target}
        for row, statement in zip(rows, statements, strict=True)
        if (target := statement_ref_target(statement)) is not None
    ]
    rows.sort(key=lambda row: row["statement_id"])
    connection.execute(insert(_table(Statement)), rows)
    if edges:
        connection.execute(insert(_table(StatementRef)), edges)
    return pks


def _allocate_pks(connection: Connection, count: int) -> list[int]:
    if connection.dialect.name == "postgresql":
        result = connection.execute(
            text("SELECT nextval(pg_get_serial_sequence('statements', 'pk')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return sorted(int(pk) for (pk,) in result)
    # SQLite: this transaction holds the database's write lock (BEGIN IMMEDIATE), so max(pk) is ours.
    highest = connection.execute(select(func.coalesce(func.max(Statement.pk), 0))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def insert_index_rows(
    connection: Connection,
    statements: Sequence[Mapping[str, Any]],
    pks: Sequence[int],
    *,
    activity_ids: Mapping[str, int],
    refs: AgentRefs,
    stored_us: int,
) -> None:
    """The `statement_agents` and `statement_activities` rows the query filters use."""
    person_ids = refs.person_ids
    agent_rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    for statement, pk in zip(statements, pks, strict=True):
        people: dict[int, bool] = {}
        for role, ifi in statement_agents(statement):
            person = person_ids[ifi]
            people[person] = people.get(person, False) or role in _DIRECT_ROLES
        agent_rows.extend(
            {"statement_pk": pk, "person_id": person, "direct": direct, "stored_us": stored_us}
            for person, direct in people.items()
        )
        activities: dict[int, bool] = {}
        for role, iri in statement_activities(statement):
            activity = activity_ids[iri]
            activities[activity] = activities.get(activity, False) or role == "object"
        activity_rows.extend(
            {"statement_pk": pk, "activity_id": activity, "direct": direct, "stored_us": stored_us}
            for activity, direct in activities.items()
        )
    if agent_rows:
        connection.execute(insert(_table(StatementAgent)), agent_rows)
    if activity_rows:
        connection.execute(insert(_table(StatementActivity)), activity_rows)


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]
