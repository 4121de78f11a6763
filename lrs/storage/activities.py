"""Activities and their canonical definitions, merged from the statements that mention them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.base import Base
from lrs.storage.driver_sql import insert_tuples, placeholders
from lrs.storage.models import Activity

_LANGUAGE_MAPS = ("name", "description")
_MERGED_BY_KEY = frozenset((*_LANGUAGE_MAPS, "extensions"))


def merge_definition(current: Mapping[str, Any] | None, incoming: Mapping[str, Any]) -> dict[str, Any]:
    """The newest statement wins per property; language maps and extensions merge key by key so a
    definition sent in another language adds to the canonical one rather than replacing it."""
    merged = dict(current or {})
    for key, value in incoming.items():
        previous = merged.get(key)
        if key in _MERGED_BY_KEY and isinstance(previous, dict) and isinstance(value, dict):
            merged[key] = {**previous, **value}
        else:
            merged[key] = value
    return merged


def activity_definitions(
    mentions: Sequence[tuple[Mapping[str, Any], Sequence[tuple[str, str]]]],
) -> dict[str, Mapping[str, Any] | None]:
    """Every activity IRI the statements mention, with the definition they carry (merged), if any.
    `mentions` pairs each statement with its `statement_activities`, which the caller already has."""
    definitions: dict[str, Mapping[str, Any] | None] = {}
    for statement, activities in mentions:
        for _role, iri in activities:
            definitions.setdefault(iri, None)
        for activity in _activities_with_definitions(statement):
            # Two statements of one batch may define the same activity (in two languages, say).
            definitions[activity["id"]] = merge_definition(
                definitions.get(activity["id"]), activity["definition"]
            )
    return definitions


def _activities_with_definitions(statement: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    target = statement.get("object")
    candidates: list[Any] = [target]
    # dict, not Mapping: parsed JSON is made of dicts, and the ABC check is several times slower.
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        candidates = [target.get("object"), *_context_activities(target)]
    candidates.extend(_context_activities(statement))
    for candidate in candidates:
        # Most candidates (context activities) carry no definition: test that first.
        if (
            isinstance(candidate, dict)
            and isinstance(candidate.get("definition"), dict)
            and "id" in candidate
            and candidate.get("objectType", "Activity") == "Activity"
        ):
            found.append(candidate)
    return found


def _context_activities(statement: Mapping[str, Any]) -> list[Any]:
    context = statement.get("context")
    groups = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(groups, dict):
        return []
    return [
        item for entries in groups.values() for item in (entries if isinstance(entries, list) else [entries])
    ]


def ensure_activities_sync(
    connection: Connection, definitions: Mapping[str, Mapping[str, Any] | None], *, may_define: bool
) -> dict[str, int]:
    """Activity ids for every IRI, creating rows (sorted, to keep lock order) and, when the writer may
    define, updating canonical definitions that changed."""
    iris = sorted(definitions)
    existing = _stored_activities(connection, iris)
    missing = [iri for iri in iris if iri not in existing]
    if missing:
        _insert_missing(connection, missing, definitions if may_define else {})
        created = _stored_activities(connection, missing)
        existing.update({iri: (row_id, None) for iri, (row_id, _) in created.items()})
    if may_define:
        _update_changed(connection, definitions, existing, set(missing))
    return {iri: row_id for iri, (row_id, _) in existing.items()}


def _stored_activities(connection: Connection, iris: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    """(id, canonical definition JSON) of the stored activities among `iris`."""
    found: dict[str, tuple[int, str | None]] = {}
    for start in range(0, len(iris), 500):
        chunk = iris[start : start + 500]
        # Driver SQL: SQLAlchemy re-renders an expanding IN on every call, which cost more than the query.
        markers = placeholders(connection, len(chunk))
        if markers is None:
            rows = connection.execute(
                select(Activity.iri, Activity.id, Activity.definition).where(Activity.iri.in_(chunk))
            )
        else:
            sql = f"SELECT iri, id, definition FROM activities WHERE iri IN ({markers})"
            rows = connection.exec_driver_sql(sql, tuple(chunk))
        found.update({iri: (row_id, definition) for iri, row_id, definition in rows})
    return found


def _insert_missing(
    connection: Connection, iris: list[str], definitions: Mapping[str, Mapping[str, Any] | None]
) -> None:
    rows = [(iri, _dump(definitions.get(iri))) for iri in iris]
    table = Base.metadata.tables[Activity.__tablename__]
    insert_tuples(connection, table, ("iri", "definition"), rows, ignore_conflicts=True)


def _update_changed(
    connection: Connection,
    definitions: Mapping[str, Mapping[str, Any] | None],
    existing: Mapping[str, tuple[int, str | None]],
    just_created: set[str],
) -> None:
    for iri in sorted(definitions):
        incoming = definitions[iri]
        if not incoming or iri in just_created:
            continue
        row_id, stored = existing[iri]
        current = json.loads(stored) if stored else None
        merged = merge_definition(current, incoming)
        if merged != current:
            connection.execute(update(Activity).where(Activity.id == row_id).values(definition=_dump(merged)))


def _dump(definition: Mapping[str, Any] | None) -> str | None:
    return json.dumps(definition, separators=(",", ":"), ensure_ascii=False) if definition else None


async def activity_definition(session: AsyncSession, iri: str) -> dict[str, Any] | None:
    """The canonical definition, `{}` for a known activity without one, None when unknown."""
    row = (await session.execute(select(Activity.definition).where(Activity.iri == iri))).first()
    if row is None:
        return None
    return json.loads(row[0]) if row[0] else {}
