"""People live in one place: statement bodies keep `{"@a": form_id}` references to `agent_forms`.

`dehydrate` swaps every identified Agent/Group in a statement for a reference; `hydrate` puts the
stored forms back when statements are read. Erasing a person rewrites `persons` and `agent_forms` only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from lrs import json_codec
from lrs.storage.base import insert_ignoring_conflicts
from lrs.storage.driver_sql import placeholders
from lrs.storage.known_ids import KnownIds
from lrs.storage.models import AgentForm, Person
from lrs.xapi.agents import agent_ifi

REF = "@a"


@dataclass
class AgentRefs:
    """Agent forms found while dehydrating, with the reference dicts waiting for their ids."""

    forms: dict[str, tuple[str, str]] = field(default_factory=dict)  # form hash -> (ifi, body json)
    slots: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (ref dict, form hash)
    person_ids: dict[str, int] = field(default_factory=dict)  # ifi -> person id, once saved

    def reference(self, agent: Mapping[str, Any], ifi: str) -> dict[str, Any]:
        form = {key: value for key, value in agent.items() if key != "member"}
        body = json_codec.dumps_sorted(form)
        form_hash = hashlib.sha256(body.encode()).hexdigest()
        self.forms.setdefault(form_hash, (ifi, body))
        ref: dict[str, Any] = {REF: None}
        self.slots.append((ref, form_hash))
        return ref


ActorMap = Callable[[dict[str, Any]], dict[str, Any]]


def map_agent_positions(statement: dict[str, Any], transform: ActorMap) -> dict[str, Any]:
    """A copy of `statement` with `transform` applied to every Agent/Group position (actor, object,
    authority, instructor, team, context agents/groups, and inside a SubStatement). Extensions and
    other free-form values are never touched."""
    body = dict(statement)
    _apply(body, "actor", transform)
    _apply(body, "authority", transform)
    target = body.get("object")
    if isinstance(target, dict):
        if target.get("objectType") in ("Agent", "Group"):
            _apply(body, "object", transform)
        elif target.get("objectType") == "SubStatement":
            body["object"] = map_agent_positions(target, transform)
    context = body.get("context")
    if isinstance(context, dict):
        context = body["context"] = dict(context)
        _apply(context, "instructor", transform)
        _apply(context, "team", transform)
        for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
            entries = context.get(key)
            if isinstance(entries, list):
                context[key] = [_apply_entry(entry, inner, transform) for entry in entries]
    return body


def _apply_entry(entry: Any, inner: str, transform: ActorMap) -> Any:
    if not isinstance(entry, dict):
        return entry
    copy = dict(entry)
    _apply(copy, inner, transform)
    return copy


def _apply(container: dict[str, Any], key: str, transform: ActorMap) -> None:
    actor = container.get(key)
    if isinstance(actor, dict):
        container[key] = transform(actor)


def dehydrate(statement: dict[str, Any], refs: AgentRefs) -> dict[str, Any]:
    """A copy of `statement` whose Agents/identified Groups are references collected in `refs`."""

    def swap(actor: dict[str, Any]) -> dict[str, Any]:
        members = actor.get("member")
        ifi = agent_ifi(actor)
        result = refs.reference(actor, ifi) if ifi is not None else dict(actor)
        if isinstance(members, list):
            result["member"] = [swap(member) if isinstance(member, dict) else member for member in members]
        return result

    return map_agent_positions(statement, swap)


async def save_agent_forms(session: AsyncSession, refs: AgentRefs, known: KnownIds | None = None) -> None:
    """Insert missing persons and forms (in sorted order, so concurrent writers never deadlock) and
    fill every reference with its form id."""
    if refs.forms:
        connection = await session.connection()
        await connection.run_sync(save_agent_forms_sync, refs, known)


def save_agent_forms_sync(connection: Connection, refs: AgentRefs, known: KnownIds | None = None) -> None:
    """`save_agent_forms` on a synchronous connection."""
    if not refs.forms:
        return
    known = known or KnownIds()
    person_ids = _ensure_rows(
        connection,
        Person,
        Person.ifi,
        {ifi: {"ifi": ifi} for ifi, _ in refs.forms.values()},
        known.persons,
        known,
    )
    wanted = {
        form_hash: {"form_hash": form_hash, "person_id": person_ids[ifi], "body": body}
        for form_hash, (ifi, body) in refs.forms.items()
    }
    form_ids = _ensure_rows(connection, AgentForm, AgentForm.form_hash, wanted, known.forms, known)
    refs.person_ids.update(person_ids)
    for ref, form_hash in refs.slots:
        ref[REF] = form_ids[form_hash]


def _ensure_rows(
    connection: Connection,
    model: Any,
    key_column: Any,
    wanted: Mapping[str, dict[str, Any]],
    cache: dict[str, int],
    known: KnownIds,
) -> dict[str, int]:
    keys = sorted(wanted)
    found = {key: cache[key] for key in keys if key in cache}
    unknown = [key for key in keys if key not in found]
    if not unknown:
        return found
    committed = _ids_by_key(connection, model, key_column, unknown)
    known.remember(cache, committed)  # rows this transaction inserts are remembered once committed
    found.update(committed)
    missing = [wanted[key] for key in keys if key not in found]
    if missing:
        dialect = connection.dialect.name
        connection.execute(insert_ignoring_conflicts(dialect, model), missing)
        found.update(_ids_by_key(connection, model, key_column, [row[key_column.key] for row in missing]))
    return found


def _ids_by_key(connection: Connection, model: Any, key_column: Any, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        # Driver SQL: SQLAlchemy re-renders an expanding IN on every call, which cost more than the query.
        markers = placeholders(connection, len(chunk))
        if markers is None:
            rows = connection.execute(select(key_column, model.id).where(key_column.in_(chunk)))
        else:
            key = key_column.key
            sql = f"SELECT {key}, id FROM {model.__tablename__} WHERE {key} IN ({markers})"
            rows = connection.exec_driver_sql(sql, tuple(chunk))
        found.update({key: row_id for key, row_id in rows})
    return found


async def load_forms(session: AsyncSession, form_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    connection = await session.connection()
    return await connection.run_sync(load_forms_sync, form_ids)


def load_forms_sync(connection: Connection, form_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = sorted(set(form_ids))
    forms: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        rows = connection.execute(
            select(AgentForm.id, AgentForm.body).where(AgentForm.id.in_(ids[start : start + 500]))
        )
        forms.update({form_id: json_codec.loads(body) for form_id, body in rows})
    return forms


def referenced_forms(statement: dict[str, Any], into: set[int]) -> None:
    """Add the form ids a dehydrated statement refers to."""

    def record(actor: dict[str, Any]) -> dict[str, Any]:
        ref = actor.get(REF)
        if isinstance(ref, int):
            into.add(ref)
        for member in actor.get("member") or ():
            if isinstance(member, dict):
                record(member)
        return actor

    map_agent_positions(statement, record)


def hydrate(statement: dict[str, Any], forms: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    """Put the stored Agent/Group forms back in place of their references."""

    def restore(actor: dict[str, Any]) -> dict[str, Any]:
        ref = actor.get(REF)
        result = dict(forms[ref]) if isinstance(ref, int) and ref in forms else dict(actor)
        result.pop(REF, None)
        members = actor.get("member")
        if isinstance(members, list):
            result["member"] = [restore(member) if isinstance(member, dict) else member for member in members]
        return result

    return map_agent_positions(statement, restore)
