"""Context (Data 2.4.6) with contextActivities and, in 2.0.0, contextAgents / contextGroups."""

from __future__ import annotations

from typing import Any

from .activities import CONTEXT_ACTIVITY_KEYS, validate_activity
from .agents import validate_agent, validate_group
from .datatypes import (
    check_extensions,
    check_iri,
    check_language_tag,
    check_list,
    check_object,
    check_string,
    check_uuid,
    fail,
    require,
)

_CONTEXT_KEYS_1_0 = frozenset(
    (
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    )
)
_CONTEXT_KEYS_2_0 = _CONTEXT_KEYS_1_0 | {"contextAgents", "contextGroups"}
_STATEMENT_REF_KEYS = frozenset(("objectType", "id"))
_CONTEXT_AGENT_KEYS = frozenset(("objectType", "agent", "relevantTypes"))
_CONTEXT_GROUP_KEYS = frozenset(("objectType", "group", "relevantTypes"))


def validate_context(data: object, *, version: str, field: str, object_kind: str) -> dict[str, Any]:
    """Validate a context; ``object_kind`` is the statement object's objectType (revision/platform rule)."""
    context = check_object(data, field, _CONTEXT_KEYS_1_0 if version == "1.0.3" else _CONTEXT_KEYS_2_0)
    copied: dict[str, Any] = {}
    for key, value in context.items():
        path = f"{field}.{key}"
        if key == "registration":
            copied[key] = check_uuid(value, path)
        elif key == "instructor":
            copied[key] = validate_agent(value, version=version, field=path)
        elif key == "team":
            copied[key] = validate_group(value, version=version, field=path)
        elif key == "contextActivities":
            copied[key] = validate_context_activities(value, field=path)
        elif key in ("revision", "platform"):
            if object_kind != "Activity":
                raise fail(path, "is only allowed when the statement object is an Activity")
            copied[key] = check_string(value, path)
        elif key == "language":
            copied[key] = check_language_tag(value, path)
        elif key == "statement":
            copied[key] = validate_statement_ref(value, field=path)
        elif key == "extensions":
            copied[key] = check_extensions(value, path)
        else:
            copied[key] = _validate_context_actors(key, value, version=version, field=path)
    return copied


def validate_context_activities(data: object, *, field: str) -> dict[str, list[dict[str, Any]]]:
    """Each of parent/grouping/category/other is an Activity or an array of them; always returned as an
    array, the form an LRS returns (Data 2.4.6.2: "the LRS MUST return arrays")."""
    activities = check_object(data, field, CONTEXT_ACTIVITY_KEYS)
    copied: dict[str, list[dict[str, Any]]] = {}
    for key, value in activities.items():
        path = f"{field}.{key}"
        if type(value) is dict:
            copied[key] = [validate_activity(value, field=path)]
        else:
            items = check_list(value, path)
            copied[key] = [
                validate_activity(item, field=f"{path}[{index}]") for index, item in enumerate(items)
            ]
    return copied


def validate_statement_ref(data: object, *, field: str) -> dict[str, Any]:
    reference = check_object(data, field, _STATEMENT_REF_KEYS)
    if reference.get("objectType") != "StatementRef":
        raise fail(f"{field}.objectType", 'must be "StatementRef"')
    check_uuid(require(reference, "id", field), f"{field}.id")
    return dict(reference)


def _validate_context_actors(key: str, value: object, *, version: str, field: str) -> list[dict[str, Any]]:
    """contextAgents / contextGroups (IEEE 9274.1.1): arrays of typed wrappers around an Agent or Group."""
    is_agents = key == "contextAgents"
    entries = check_list(value, field)
    copied: list[dict[str, Any]] = []
    for index, item in enumerate(entries):
        path = f"{field}[{index}]"
        entry = check_object(item, path, _CONTEXT_AGENT_KEYS if is_agents else _CONTEXT_GROUP_KEYS)
        expected_type = "contextAgent" if is_agents else "contextGroup"
        if require(entry, "objectType", path) != expected_type:
            raise fail(f"{path}.objectType", f'must be "{expected_type}"')
        member_key = "agent" if is_agents else "group"
        raw_member = require(entry, member_key, path)
        member = (
            validate_agent(raw_member, version=version, field=f"{path}.agent")
            if is_agents
            else validate_group(raw_member, version=version, field=f"{path}.group")
        )
        if is_agents and member.get("objectType") == "Group":
            raise fail(f"{path}.agent", "must be an Agent, not a Group")
        wrapped: dict[str, Any] = {"objectType": expected_type, member_key: member}
        if "relevantTypes" in entry:
            wrapped["relevantTypes"] = _check_relevant_types(entry["relevantTypes"], f"{path}.relevantTypes")
        copied.append(wrapped)
    return copied


def _check_relevant_types(value: object, field: str) -> list[str]:
    types = check_list(value, field)
    if not types:
        raise fail(field, "must not be empty")
    return [check_iri(item, f"{field}[{index}]") for index, item in enumerate(types)]
