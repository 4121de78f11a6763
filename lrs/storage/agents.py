"""People live in one place: statement bodies keep `{"@a": form_id}` references to `agent_forms`.

Dehydrating (`lrs.storage.dehydration`) swaps every identified Agent/Group in a statement for a
reference; `hydrate` puts the stored forms back when statements are read. Erasing a person rewrites
`persons` and `agent_forms` only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from lrs import json_codec
from lrs.storage.base import Base
from lrs.storage.driver_sql import insert_tuples, placeholders
from lrs.storage.known_ids import KnownIds, identity_generation
from lrs.storage.models import AgentForm, Person
from lrs.xapi.agents import agent_ifi

REF = "@a"


@dataclass
class AgentRefs:
    """Agent forms found while dehydrating, with the reference dicts waiting for their ids."""

    forms: dict[str, tuple[str, str]] = field(default_factory=dict)  # form hash -> (ifi, body json)
    slots: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (ref dict, form hash)
    person_ids: dict[str, int] = field(default_factory=dict)  # ifi -> person id, once saved

    def refer(self, agent: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """A reference dict for an identified Agent/Group (filled in once its form is saved) and its
        IFI; (None, None) for an anonymous Group."""
        key = _form_key(agent)
        try:
            form = _FORMS.get(key) if key is not None else None
        except TypeError:  # an unhashable value: a statement that skipped validation
            key = form = None
        if form is None:
            form = _form(agent)
            if form is None:
                return None, None
            if key is not None and all(type(value) is str or name == "account" for name, value in key):
                _remember_form(key, form)
        ifi, form_hash, body = form
        self.forms.setdefault(form_hash, (ifi, body))
        ref: dict[str, Any] = {REF: None}
        self.slots.append((ref, form_hash))
        return ref, ifi


# (ifi, form hash, form JSON) by `_form_key`: the same learners recur batch after batch, and working
# a form out (IFI, sorted JSON, SHA-256) cost more than the rest of dehydrating a statement. Only keys
# of plain strings are remembered, so a key found equal means an equal form, down to the JSON text.
_FORMS: dict[tuple[Any, ...], tuple[str, str, str]] = {}
_FORMS_LIMIT = 20_000


def _form_key(agent: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The agent's (name, value) properties but `member`, an account as a tuple of its own; None when
    an account is not plain strings."""
    if "account" not in agent and "member" not in agent:
        return tuple(agent.items())
    key: list[tuple[str, Any]] = []
    for name, value in agent.items():
        if name == "account":
            if type(value) is not dict or not all(type(part) is str for part in value.values()):
                return None
            value = tuple(value.items())
        if name != "member":
            key.append((name, value))
    return tuple(key)


def _form(agent: Mapping[str, Any]) -> tuple[str, str, str] | None:
    ifi = agent_ifi(agent)
    if ifi is None:
        return None
    body = json_codec.dumps_sorted({key: value for key, value in agent.items() if key != "member"})
    return ifi, hashlib.sha256(body.encode()).hexdigest(), body


def _remember_form(key: tuple[Any, ...], form: tuple[str, str, str]) -> None:
    if len(_FORMS) >= _FORMS_LIMIT:
        _FORMS.clear()
    _FORMS[key] = form


ActorMap = Callable[[dict[str, Any]], dict[str, Any]]


def map_agent_positions(statement: dict[str, Any], transform: ActorMap) -> dict[str, Any]:
    """A copy of `statement` with `transform` applied to every Agent/Group position (actor, object,
    authority, instructor, team, context agents/groups, and inside a SubStatement). Extensions and
    other free-form values are never touched."""
    # Positions are tested inline rather than through a helper: this runs for every statement
    # stored and read, and the calls were a good part of its cost.
    body = dict(statement)
    actor = body.get("actor")
    if isinstance(actor, dict):
        body["actor"] = transform(actor)
    authority = body.get("authority")
    if isinstance(authority, dict):
        body["authority"] = transform(authority)
    target = body.get("object")
    if isinstance(target, dict):
        kind = target.get("objectType")
        if kind == "Agent" or kind == "Group":
            body["object"] = transform(target)
        elif kind == "SubStatement":
            body["object"] = map_agent_positions(target, transform)
    context = body.get("context")
    if isinstance(context, dict):
        body["context"] = _map_context(context, transform)
    return body


def _map_context(context: dict[str, Any], transform: ActorMap) -> dict[str, Any]:
    context = dict(context)
    for key in ("instructor", "team"):
        actor = context.get(key)
        if isinstance(actor, dict):
            context[key] = transform(actor)
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        entries = context.get(key)
        if isinstance(entries, list):
            context[key] = [_apply_entry(entry, inner, transform) for entry in entries]
    return context


def _apply_entry(entry: Any, inner: str, transform: ActorMap) -> Any:
    if not isinstance(entry, dict):
        return entry
    copy = dict(entry)
    actor = copy.get(inner)
    if isinstance(actor, dict):
        copy[inner] = transform(actor)
    return copy


def save_agent_forms_sync(connection: Connection, refs: AgentRefs, known: KnownIds | None = None) -> None:
    """Insert missing persons and forms (in sorted order, so concurrent writers never deadlock) and
    fill every reference with its form id."""
    if not refs.forms:
        return
    if known is None:
        known = KnownIds()
    else:
        known.follow(identity_generation(connection))
    persons = {ifi: (ifi,) for ifi, _ in refs.forms.values()}
    person_ids = _ensure_rows(connection, Person, ("ifi",), persons, known.persons, known)
    wanted = {form_hash: (form_hash, person_ids[ifi], body) for form_hash, (ifi, body) in refs.forms.items()}
    columns = ("form_hash", "person_id", "body")
    form_ids = _ensure_rows(connection, AgentForm, columns, wanted, known.forms, known)
    refs.person_ids.update(person_ids)
    for ref, form_hash in refs.slots:
        ref[REF] = form_ids[form_hash]


def _ensure_rows(
    connection: Connection,
    model: Any,
    columns: tuple[str, ...],
    wanted: Mapping[str, tuple[Any, ...]],
    cache: dict[str, int],
    known: KnownIds,
) -> dict[str, int]:
    """Ids of the rows `wanted` (values in `columns` order, the unique key first), inserting those
    missing in sorted key order."""
    keys = sorted(wanted)
    found = {key: cache[key] for key in keys if key in cache}
    unknown = [key for key in keys if key not in found]
    if not unknown:
        return found
    committed = _ids_by_key(connection, model, columns[0], unknown)
    known.remember(cache, committed)  # rows this transaction inserts are remembered once committed
    found.update(committed)
    missing = [key for key in keys if key not in found]
    if missing:
        table = Base.metadata.tables[model.__tablename__]
        rows = [wanted[key] for key in missing]
        insert_tuples(connection, table, columns, rows, ignore_conflicts=True)
        found.update(_ids_by_key(connection, model, columns[0], missing))
    return found


def _ids_by_key(connection: Connection, model: Any, key: str, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    key_column = getattr(model, key)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        # Driver SQL: SQLAlchemy re-renders an expanding IN on every call, which cost more than the query.
        markers = placeholders(connection, len(chunk))
        if markers is None:
            rows = connection.execute(select(key_column, model.id).where(key_column.in_(chunk)))
        else:
            sql = f"SELECT {key}, id FROM {model.__tablename__} WHERE {key} IN ({markers})"
            rows = connection.exec_driver_sql(sql, tuple(chunk))
        found.update({key: row_id for key, row_id in rows})
    return found


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
