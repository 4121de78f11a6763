"""Storing statements: one transaction per request, writes in a fixed order, outbox events included.

A batch is all-or-nothing. Persons, forms and activities are inserted in sorted key order so that
concurrent batches touching the same rows take their locks in the same order and never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from lrs import json_codec
from lrs.errors import Conflict, InvalidRequest
from lrs.storage.activities import activity_definitions, ensure_activities_sync
from lrs.storage.agents import (
    AgentRefs,
    KnownIds,
    dehydrate,
    hydrate,
    load_forms_sync,
    referenced_forms,
    save_agent_forms_sync,
)
from lrs.storage.base import Base, insert_ignoring_conflicts
from lrs.storage.models import Attachment, Statement, StatementActivity, StatementAgent
from lrs.storage.outbox import STATEMENT_STORED, STATEMENT_VOIDED, append_events_sync
from lrs.xapi.activities import statement_activities
from lrs.xapi.agents import statement_agents
from lrs.xapi.equivalence import statements_equivalent
from lrs.xapi.timestamps import format_timestamp

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_DIRECT_ROLES = frozenset({"actor", "object"})


@dataclass(frozen=True)
class Writer:
    """Who is storing: the credential, the authority the LRS records, and the define permission."""

    credential_id: int | None
    authority: Mapping[str, Any]
    may_define: bool


@dataclass(frozen=True)
class AttachmentContent:
    sha2: str
    content_type: str
    data: bytes


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


def complete_statements(
    statements: Sequence[dict[str, Any]], *, writer: Writer, stored: datetime, version: str
) -> list[dict[str, Any]]:
    """Set id (when absent), stored and authority, which the LRS owns. `version` and `timestamp`
    defaults are added only when a statement is actually inserted (see `store_statements`), so an
    identical re-post still compares equal."""
    stamp = format_timestamp(stored)
    completed = []
    seen: set[str] = set()
    for index, statement in enumerate(statements):
        full = dict(statement)
        full["id"] = str(full.get("id") or uuid.uuid4())
        if full["id"] in seen:
            raise InvalidRequest(f"statements[{index}].id", f"{full['id']} appears twice in the batch")
        seen.add(full["id"])
        full["stored"] = stamp
        full["authority"] = dict(writer.authority)
        completed.append(full)
    return completed


async def store_statements(
    session: AsyncSession,
    statements: Sequence[dict[str, Any]],
    attachments: Sequence[AttachmentContent],
    *,
    writer: Writer,
    stored: datetime,
    version: str,
    known: KnownIds | None = None,
) -> list[str]:
    """Store completed statements inside the caller's transaction; return their ids in order.
    Raises Conflict for an id stored with other content, InvalidRequest for a bad voiding target."""
    return await session.run_sync(
        store_statements_sync,
        statements,
        attachments,
        writer=writer,
        stored=stored,
        version=version,
        known=known,
    )


async def load_statements_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Stored statements (hydrated, voided or not) keyed by id."""
    return await session.run_sync(load_statements_by_id_sync, ids)


async def hydrate_bodies(
    session: AsyncSession, bodies: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Statement bodies with their agent references replaced by the stored forms."""
    return await session.run_sync(hydrate_bodies_sync, bodies)


def store_statements_sync(
    session: Session,
    statements: Sequence[dict[str, Any]],
    attachments: Sequence[AttachmentContent],
    *,
    writer: Writer,
    stored: datetime,
    version: str,
    known: KnownIds | None = None,
) -> list[str]:
    """Store completed statements inside the caller's transaction; return their ids in order.
    Raises Conflict for an id stored with other content, InvalidRequest for a bad voiding target."""
    ids = [statement["id"] for statement in statements]
    fresh = _drop_already_stored(session, statements)
    _check_voiding_targets(session, fresh)
    if not fresh:
        return ids
    fresh = [_with_defaults(statement, version) for statement in fresh]
    stored_us = int(stored.timestamp() * 1_000_000)
    refs = AgentRefs()
    bodies = [dehydrate(statement, refs) for statement in fresh]
    save_agent_forms_sync(session, refs, known)
    activity_ids = ensure_activities_sync(session, activity_definitions(fresh), may_define=writer.may_define)
    _save_attachments(session, attachments)
    pks = _insert_statements(session, fresh, bodies, writer, stored_us)
    _insert_index_rows(session, fresh, pks, activity_ids, refs, stored_us)
    _apply_voiding(session, fresh)
    append_events_sync(session, _events(fresh, pks), now=stored)
    return ids


def _with_defaults(statement: dict[str, Any], version: str) -> dict[str, Any]:
    """Spec defaults: `version` 1.0.0 (1.0.3 clients) / 2.0.0, `timestamp` equal to `stored`."""
    full = dict(statement)
    full.setdefault("version", "2.0.0" if version == "2.0.0" else "1.0.0")
    full.setdefault("timestamp", full["stored"])
    return full


def _drop_already_stored(session: Session, statements: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    existing = load_statements_by_id_sync(session, [statement["id"] for statement in statements])
    fresh = []
    for statement in statements:
        stored = existing.get(statement["id"])
        if stored is None:
            fresh.append(statement)
        elif not statements_equivalent(stored, statement):
            raise Conflict(f"statement {statement['id']} is already stored with different content")
    return fresh


def load_statements_by_id_sync(session: Session, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Stored statements (hydrated, voided or not) keyed by id."""
    if not ids:
        return {}
    rows = session.execute(
        select(Statement.statement_id, Statement.body).where(Statement.statement_id.in_(ids))
    )
    bodies = {statement_id: json_codec.loads(body) for statement_id, body in rows}
    return hydrate_bodies_sync(session, bodies)


def hydrate_bodies_sync(session: Session, bodies: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    form_ids: set[int] = set()
    for body in bodies.values():
        referenced_forms(body, form_ids)
    forms = load_forms_sync(session, form_ids)
    return {key: hydrate(body, forms) for key, body in bodies.items()}


def _check_voiding_targets(session: Session, statements: Sequence[dict[str, Any]]) -> None:
    voiding_ids = {statement["id"] for statement in statements if voided_target(statement)}
    targets = {index: voided_target(statement) for index, statement in enumerate(statements)}
    wanted = [target for target in targets.values() if target is not None]
    if not wanted:
        return
    rows = session.execute(
        select(Statement.statement_id).where(
            Statement.statement_id.in_(wanted), Statement.voids_id.is_not(None)
        )
    )
    stored_voiding = {statement_id for (statement_id,) in rows}
    for index, target in targets.items():
        if target is not None and (target in voiding_ids or target in stored_voiding):
            raise InvalidRequest(
                f"statements[{index}].object.id", f"{target} is a voiding statement and cannot be voided"
            )


def _save_attachments(session: Session, attachments: Sequence[AttachmentContent]) -> None:
    rows = {
        part.sha2: {
            "sha2": part.sha2,
            "content_type": part.content_type,
            "length": len(part.data),
            "data": part.data,
        }
        for part in attachments
    }
    if rows:
        ordered = [rows[sha2] for sha2 in sorted(rows)]
        session.execute(insert_ignoring_conflicts(_dialect(session), Attachment), ordered)


def _insert_statements(
    session: Session,
    statements: Sequence[Mapping[str, Any]],
    bodies: Sequence[dict[str, Any]],
    writer: Writer,
    stored_us: int,
) -> list[int]:
    rows = [
        {
            "statement_id": statement["id"],
            "stored_us": stored_us,
            "verb_iri": statement["verb"]["id"],
            "registration": (statement.get("context") or {}).get("registration"),
            "voided": False,
            "voids_id": voided_target(statement),
            "refers_to": statement_ref_target(statement),
            "credential_id": writer.credential_id,
            "body": json_codec.dumps(body),
        }
        for statement, body in zip(statements, bodies, strict=True)
    ]
    # Keys are allocated up front, so the rows go in as one executemany without RETURNING (which
    # SQLite can only honour row by row), and in id order so that two batches sharing new statement
    # ids lock them in the same order.
    pks = _allocate_pks(session, len(rows))
    for row, pk in zip(rows, pks, strict=True):
        row["pk"] = pk
    session.execute(insert(_table(Statement)), sorted(rows, key=lambda row: row["statement_id"]))
    return pks


def _allocate_pks(session: Session, count: int) -> list[int]:
    if _dialect(session) == "postgresql":
        result = session.execute(
            text("SELECT nextval(pg_get_serial_sequence('statements', 'pk')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return sorted(int(pk) for (pk,) in result)
    # SQLite: this transaction holds the database's write lock (BEGIN IMMEDIATE), so max(pk) is ours.
    highest = (session.execute(select(func.coalesce(func.max(Statement.pk), 0)))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def _insert_index_rows(
    session: Session,
    statements: Sequence[Mapping[str, Any]],
    pks: Sequence[int],
    activity_ids: Mapping[str, int],
    refs: AgentRefs,
    stored_us: int,
) -> None:
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
        session.execute(insert(_table(StatementAgent)), agent_rows)
    if activity_rows:
        session.execute(insert(_table(StatementActivity)), activity_rows)


def _apply_voiding(session: Session, statements: Sequence[Mapping[str, Any]]) -> None:
    targets = sorted({target for statement in statements if (target := voided_target(statement))})
    if targets:
        session.execute(
            update(Statement)
            .where(Statement.statement_id.in_(targets), Statement.voids_id.is_(None))
            .values(voided=True)
        )
    # A statement may arrive after the statement that voids it (rare: look before updating).
    new_ids = [statement["id"] for statement in statements]
    already_voided = select(Statement.voids_id).where(Statement.voids_id.in_(new_ids))
    if (session.execute(already_voided.limit(1))).first() is None:
        return
    session.execute(
        update(Statement)
        .where(Statement.statement_id.in_(already_voided), Statement.voids_id.is_(None))
        .values(voided=True)
    )


def _events(statements: Sequence[Mapping[str, Any]], pks: Sequence[int]) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    for statement, pk in zip(statements, pks, strict=True):
        target = statement.get("object") or {}
        context = statement.get("context") or {}
        events.append(
            (
                STATEMENT_STORED,
                {
                    "statement_id": statement["id"],
                    "pk": pk,
                    "verb": statement["verb"]["id"],
                    "object_id": target.get("id")
                    if target.get("objectType", "Activity") == "Activity"
                    else None,
                    "registration": context.get("registration"),
                },
            )
        )
        if voided := voided_target(statement):
            events.append((STATEMENT_VOIDED, {"statement_id": voided, "voided_by": statement["id"]}))
    return events


def _table(model: type[Base]) -> Table:
    """The Core table of a model: bulk inserts through it skip the ORM's per-row bookkeeping."""
    return Base.metadata.tables[model.__tablename__]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def utc_from_us(stored_us: int) -> datetime:
    return datetime.fromtimestamp(stored_us / 1_000_000, UTC)
