"""Statements (Data 2.4): the top-level validator, statement objects and SubStatements."""

from __future__ import annotations

from typing import Any

from .activities import validate_activity
from .agents import validate_agent, validate_authority
from .attachments import validate_attachments
from .common_shapes import common_statement
from .contexts import validate_context, validate_statement_ref
from .datatypes import check_object, check_string, check_uuid, fail, require
from .errors import XapiValidationError
from .properties import STATEMENT_KEYS
from .results import validate_result
from .timestamps import normalise_timestamp
from .verbs import VOIDED_VERB, validate_verb
from .versions import SUPPORTED_VERSIONS, statement_version_matches

# A SubStatement MUST NOT have id, stored, version or authority (Data 2.4.4.3), nor nest another.
_SUBSTATEMENT_KEYS = frozenset(
    ("objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments")
)
_OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")


def validate_statement(data: object, *, version: str, field: str = "statement") -> dict[str, Any]:
    """Validate one statement under ``version`` ("1.0.3" or "2.0.0") and return a normalised deep copy.

    Normalisation is limited to what the spec tells an LRS to return: contextActivities values become
    arrays, and under 2.0.0 ``timestamp``/``stored`` are converted to UTC. Everything else is kept as sent.
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported xAPI version {version!r}")
    try:
        return _validate_statement(data, version=version, field=field)
    except RecursionError:  # callers other than the HTTP layer do not bound the depth first
        raise fail(field, "is nested too deeply to validate") from None


def _validate_statement(data: object, *, version: str, field: str) -> dict[str, Any]:
    common = common_statement(data, version=version, field=field)
    if common is not None:
        return common
    statement = check_object(data, field, STATEMENT_KEYS)
    copied = _validate_core(statement, version=version, field=field, nested=False)
    if copied["verb"]["id"] == VOIDED_VERB and copied["object"].get("objectType") != "StatementRef":
        raise fail(f"{field}.object.objectType", 'a voiding statement\'s object must be a "StatementRef"')
    for key in ("id", "stored", "authority", "version"):
        if key in statement:
            copied[key] = _validate_lifecycle_property(key, statement[key], version=version, field=field)
    return {key: copied[key] for key in statement}


def validate_statements(data: object, *, version: str) -> list[dict[str, Any]]:
    """Validate a POST body: one statement object or an array of them (an empty array is valid)."""
    if type(data) is dict:
        return [validate_statement(data, version=version)]
    if type(data) is not list:
        raise XapiValidationError("statements", "must be a statement object or an array of statements")
    return [
        validate_statement(item, version=version, field=f"statements[{index}]")
        for index, item in enumerate(data)
    ]


def _validate_core(statement: dict[str, Any], *, version: str, field: str, nested: bool) -> dict[str, Any]:
    """The properties statements and SubStatements share, in a fixed order so errors are predictable."""
    copied: dict[str, Any] = {}
    if nested:
        copied["objectType"] = statement["objectType"]
    copied["actor"] = validate_agent(
        require(statement, "actor", field), version=version, field=f"{field}.actor"
    )
    copied["verb"] = validate_verb(require(statement, "verb", field), field=f"{field}.verb")
    target = require(statement, "object", field)
    copied["object"] = _validate_object(target, version=version, field=f"{field}.object", nested=nested)
    if "result" in statement:
        copied["result"] = validate_result(statement["result"], field=f"{field}.result")
    if "context" in statement:
        kind = copied["object"].get("objectType", "Activity")
        copied["context"] = validate_context(
            statement["context"], version=version, field=f"{field}.context", object_kind=kind
        )
    if "timestamp" in statement:
        copied["timestamp"] = normalise_timestamp(
            statement["timestamp"], field=f"{field}.timestamp", version=version
        )
    if "attachments" in statement:
        copied["attachments"] = validate_attachments(statement["attachments"], field=f"{field}.attachments")
    return copied


def _validate_lifecycle_property(key: str, value: object, *, version: str, field: str) -> Any:
    path = f"{field}.{key}"
    if key == "id":
        return check_uuid(value, path)
    if key == "stored":
        return normalise_timestamp(value, field=path, version=version)
    if key == "authority":
        return validate_authority(value, version=version, field=path)
    if not statement_version_matches(check_string(value, path), version):
        allowed = "1.0 or 1.0.x" if version == "1.0.3" else "1.0, 1.0.x, 2.0 or 2.0.x"
        raise fail(path, f"must be {allowed}")
    return value


def _validate_object(data: object, *, version: str, field: str, nested: bool) -> dict[str, Any]:
    if type(data) is not dict:
        raise fail(field, "must be an object")
    kind = data.get("objectType", "Activity")
    if kind == "Activity":
        return validate_activity(data, field=field)
    if kind in ("Agent", "Group"):
        return validate_agent(data, version=version, field=field)
    if kind == "StatementRef":
        return validate_statement_ref(data, field=field)
    if kind == "SubStatement":
        if nested:
            raise fail(f"{field}.objectType", "a SubStatement cannot contain another SubStatement")
        substatement = check_object(data, field, _SUBSTATEMENT_KEYS)
        return _validate_core(substatement, version=version, field=field, nested=True)
    raise fail(f"{field}.objectType", "must be one of " + ", ".join(_OBJECT_TYPES))
