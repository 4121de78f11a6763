"""Activities (Data 2.4.4.1): id, definition, interaction types and their components; and which
activities a statement names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .datatypes import (
    check_extensions,
    check_iri,
    check_language_map,
    check_list,
    check_object,
    check_string,
    fail,
    require,
)

_ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_DEFINITION_KEYS = frozenset(
    (
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        *_COMPONENT_LISTS,
    )
)
_COMPONENT_KEYS = frozenset(("id", "description"))
# Which interaction component lists each interactionType may carry (Data 2.4.4.1 Interaction Components).
_ALLOWED_COMPONENTS: dict[str, frozenset[str]] = {
    "true-false": frozenset(),
    "choice": frozenset(("choices",)),
    "fill-in": frozenset(),
    "long-fill-in": frozenset(),
    "matching": frozenset(("source", "target")),
    "performance": frozenset(("steps",)),
    "sequencing": frozenset(("choices",)),
    "likert": frozenset(("scale",)),
    "numeric": frozenset(),
    "other": frozenset(),
}
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")


def validate_activity(data: object, *, field: str) -> dict[str, Any]:
    """Validate an Activity (``objectType`` absent or "Activity") and return a copy."""
    activity = check_object(data, field, _ACTIVITY_KEYS)
    if activity.get("objectType", "Activity") != "Activity":
        raise fail(f"{field}.objectType", 'must be "Activity"')
    copied = dict(activity)
    check_iri(require(activity, "id", field), f"{field}.id")
    if "definition" in activity:
        copied["definition"] = validate_definition(activity["definition"], field=f"{field}.definition")
    return copied


def validate_definition(data: object, *, field: str) -> dict[str, Any]:
    definition = check_object(data, field, _DEFINITION_KEYS)
    copied: dict[str, Any] = {}
    for key, value in definition.items():
        path = f"{field}.{key}"
        if key in ("name", "description"):
            copied[key] = check_language_map(value, path)
        elif key in ("type", "moreInfo"):
            copied[key] = check_iri(value, path)
        elif key == "extensions":
            copied[key] = check_extensions(value, path)
        elif key == "correctResponsesPattern":
            copied[key] = _check_string_list(value, path)
        elif key == "interactionType":
            if type(value) is not str or value not in _ALLOWED_COMPONENTS:
                raise fail(path, "must be one of " + ", ".join(_ALLOWED_COMPONENTS))
            copied[key] = value
        else:
            copied[key] = _validate_components(value, path)
    _check_interaction_consistency(definition, field)
    return copied


def _check_interaction_consistency(definition: dict[str, Any], field: str) -> None:
    """Components only with an interactionType that allows them (Data 2.4.4.1.s8)."""
    interaction_type = definition.get("interactionType")
    allowed = _ALLOWED_COMPONENTS[interaction_type] if interaction_type is not None else frozenset()
    for key in _COMPONENT_LISTS:
        if key in definition and key not in allowed:
            raise fail(f"{field}.{key}", f"is not allowed for interactionType {interaction_type!r}")
    if "correctResponsesPattern" in definition and interaction_type is None:
        raise fail(f"{field}.interactionType", "is required when correctResponsesPattern is given")


def _check_string_list(value: object, field: str) -> list[str]:
    items = check_list(value, field)
    for index, item in enumerate(items):
        check_string(item, f"{field}[{index}]")
    return list(items)


def _validate_components(value: object, field: str) -> list[dict[str, Any]]:
    """Interaction components: ``id`` string (distinct within the list) and ``description`` map."""
    components = check_list(value, field)
    copied: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(components):
        path = f"{field}[{index}]"
        component = check_object(item, path, _COMPONENT_KEYS)
        component_id = check_string(require(component, "id", path), f"{path}.id")
        if component_id in seen:
            raise fail(f"{path}.id", f"duplicates the id {component_id!r} within {field}")
        seen.add(component_id)
        entry: dict[str, Any] = {"id": component_id}
        if "description" in component:
            entry["description"] = check_language_map(component["description"], f"{path}.description")
        copied.append(entry)
    return copied


# The traversals below run on parsed JSON (dicts), on the ingest hot path: `isinstance(x, dict)` is
# exact there and several times cheaper than the `Mapping` ABC check.
def object_kind(statement: Mapping[str, Any]) -> str:
    """The statement object's objectType with the spec's default: "Activity" when absent."""
    target = statement.get("object")
    if isinstance(target, dict):
        return str(target.get("objectType", "Activity"))
    return "Activity"


def statement_activities(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(role, activity id) pairs: ``object``, ``parent``/``grouping``/``category``/``other``, and the
    same prefixed with ``substatement.`` for a SubStatement object."""
    found: list[tuple[str, str]] = []
    _collect_activities(statement, "", found)
    return found


def _collect_activities(statement: Mapping[str, Any], prefix: str, found: list[tuple[str, str]]) -> None:
    target = statement.get("object")
    kind = object_kind(statement)
    if kind == "Activity" and isinstance(target, dict) and isinstance(target.get("id"), str):
        found.append((prefix + "object", target["id"]))
    elif kind == "SubStatement" and isinstance(target, dict) and not prefix:
        _collect_activities(target, "substatement.", found)
    context = statement.get("context")
    context_activities = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(context_activities, dict):
        return
    for role in CONTEXT_ACTIVITY_KEYS:
        entries = context_activities.get(role)
        if isinstance(entries, dict):
            entries = [entries]
        for entry in entries or ():
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                found.append((prefix + role, entry["id"]))
