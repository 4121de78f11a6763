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

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from lrs import json_codec
from lrs.errors import Conflict, InvalidRequest
from lrs.storage.activities import activity_definitions, ensure_activities_sync
from lrs.storage.agents import (
    REF,
    AgentRefs,
    hydrate,
    load_forms_sync,
    referenced_forms,
    save_agent_forms_sync,
)
from lrs.storage.base import insert_ignoring_conflicts
from lrs.storage.batch_lookup import look_up_batch
from lrs.storage.known_ids import KnownIds
from lrs.storage.models import Attachment, Statement
from lrs.storage.outbox import STATEMENT_STORED, STATEMENT_VOIDED, append_events_sync
from lrs.storage.statement_rows import (
    StatementFacts,
    insert_index_rows,
    insert_statement_rows,
    statement_facts,
)
from lrs.xapi.equivalence import statements_equivalent
from lrs.xapi.timestamps import format_timestamp


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
    connection = await session.connection()
    return await connection.run_sync(
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
    connection = await session.connection()
    return await connection.run_sync(load_statements_by_id_sync, ids)


async def hydrate_bodies(
    session: AsyncSession, bodies: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Statement bodies with their agent references replaced by the stored forms."""
    connection = await session.connection()
    return await connection.run_sync(hydrate_bodies_sync, bodies)


def store_statements_sync(
    connection: Connection,
    statements: Sequence[dict[str, Any]],
    attachments: Sequence[AttachmentContent],
    *,
    writer: Writer,
    stored: datetime,
    version: str,
    known: KnownIds | None = None,
) -> list[str]:
    """`store_statements` on a synchronous connection: the whole write path, no awaits in between."""
    ids = [statement["id"] for statement in statements]
    found = look_up_batch(connection, ids)
    already = hydrate_bodies_sync(connection, found.bodies) if found.bodies else {}
    fresh = _drop_already_stored(statements, already)
    refs = AgentRefs()
    facts = statement_facts([_with_defaults(statement, version) for statement in fresh], refs)
    _check_voiding_targets(connection, facts)
    if not facts:
        return ids
    stored_us = int(stored.timestamp() * 1_000_000)
    save_agent_forms_sync(connection, refs, known)
    definitions = activity_definitions([(fact.statement, fact.activities) for fact in facts])
    activity_ids = ensure_activities_sync(connection, definitions, may_define=writer.may_define)
    _save_attachments(connection, attachments)
    pks = insert_statement_rows(connection, facts, credential_id=writer.credential_id, stored_us=stored_us)
    insert_index_rows(connection, facts, pks, activity_ids=activity_ids, refs=refs, stored_us=stored_us)
    _apply_voiding(connection, facts, found.voided_by_stored)
    append_events_sync(connection, _events(facts, pks, refs), now=stored)
    return ids


def _with_defaults(statement: dict[str, Any], version: str) -> dict[str, Any]:
    """Spec defaults: `version` 1.0.0 (1.0.3 clients) / 2.0.0, `timestamp` equal to `stored`."""
    full = dict(statement)
    full.setdefault("version", "2.0.0" if version == "2.0.0" else "1.0.0")
    full.setdefault("timestamp", full["stored"])
    return full


def _drop_already_stored(
    statements: Sequence[dict[str, Any]], existing: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    fresh = []
    for statement in statements:
        stored = existing.get(statement["id"])
        if stored is None:
            fresh.append(statement)
        elif not statements_equivalent(stored, statement):
            raise Conflict(f"statement {statement['id']} is already stored with different content")
    return fresh


def load_statements_by_id_sync(connection: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`load_statements_by_id` on a synchronous connection."""
    if not ids:
        return {}
    rows = connection.execute(
        select(Statement.statement_id, Statement.body).where(Statement.statement_id.in_(ids))
    )
    bodies = {statement_id: json_codec.loads(body) for statement_id, body in rows}
    return hydrate_bodies_sync(connection, bodies)


def hydrate_bodies_sync(
    connection: Connection, bodies: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """`hydrate_bodies` on a synchronous connection."""
    form_ids: set[int] = set()
    for body in bodies.values():
        referenced_forms(body, form_ids)
    forms = load_forms_sync(connection, form_ids)
    return {key: hydrate(body, forms) for key, body in bodies.items()}


def _check_voiding_targets(connection: Connection, facts: Sequence[StatementFacts]) -> None:
    voiding_ids = {fact.statement["id"] for fact in facts if fact.voided_target}
    targets = {index: fact.voided_target for index, fact in enumerate(facts)}
    wanted = [target for target in targets.values() if target is not None]
    if not wanted:
        return
    rows = connection.execute(
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


def _save_attachments(connection: Connection, attachments: Sequence[AttachmentContent]) -> None:
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
        dialect = connection.dialect.name
        connection.execute(insert_ignoring_conflicts(dialect, Attachment), ordered)


def _apply_voiding(
    connection: Connection, facts: Sequence[StatementFacts], voided_by_stored: set[str]
) -> None:
    """Mark what this batch voids, and the new statements a stored statement already voids."""
    new_ids = {fact.statement["id"] for fact in facts}
    targets = {fact.voided_target for fact in facts if fact.voided_target}
    targets.update(voided_by_stored & new_ids)
    if targets:
        connection.execute(
            update(Statement)
            .where(Statement.statement_id.in_(sorted(targets)), Statement.voids_id.is_(None))
            .values(voided=True)
        )


def _events(
    facts: Sequence[StatementFacts], pks: Sequence[int], refs: AgentRefs
) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    for fact, pk in zip(facts, pks, strict=True):
        statement = fact.statement
        target = statement.get("object") or {}
        context = statement.get("context") or {}
        # The walk lists an identified actor first; the person id (not the IFI: no personal data in
        # the outbox) lets listeners find the learner without loading the statement.
        actor = fact.body.get("actor")
        actor_ifi = fact.agents[0][1] if isinstance(actor, dict) and REF in actor else None
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
                    "actor_person": None if actor_ifi is None else refs.person_ids.get(actor_ifi),
                },
            )
        )
        if voided := fact.voided_target:
            events.append((STATEMENT_VOIDED, {"statement_id": voided, "voided_by": statement["id"]}))
    return events


def utc_from_us(stored_us: int) -> datetime:
    return datetime.fromtimestamp(stored_us / 1_000_000, UTC)
