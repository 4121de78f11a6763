"""A fast path for the statements LRS traffic is made of: Agents with one identifier, verbs, Activities
with a simple definition, plain contexts.

``common_statement`` returns exactly what the full validator in ``statements`` would return, or None
whenever the statement holds anything else or anything wrong, so that the full validator, which words
every error, decides. Parts it does not recognise itself (result, timestamps, attachments, authority)
go to their full validators at the point the full validator would reach them, after everything before
has passed, so any error they raise is the one the full validator would raise.
"""

from __future__ import annotations

from typing import Any

from .activities import CONTEXT_ACTIVITY_KEYS
from .agents import validate_authority
from .attachments import validate_attachments
from .datatypes import copy_json
from .patterns import SHA1_HEX, UUID, is_iri, is_language_tag, is_mbox
from .properties import STATEMENT_KEYS
from .results import validate_result
from .timestamps import normalise_timestamp
from .verbs import VOIDED_VERB
from .versions import statement_version_matches

Json = dict[str, Any]


def common_statement(data: object, *, version: str, field: str) -> Json | None:
    """The validated, normalised copy of a commonly shaped statement; None to leave it to the full path."""
    if type(data) is not dict:
        return None
    for key, value in data.items():
        if key not in STATEMENT_KEYS or value is None:
            return None
    actor = _agent(data.get("actor"))
    verb = _verb(data.get("verb"))
    target = _activity(data.get("object"))
    if actor is None or verb is None or target is None or verb["id"] == VOIDED_VERB:
        return None
    copied: Json = {"actor": actor, "verb": verb, "object": target}
    if "result" in data:
        copied["result"] = validate_result(data["result"], field=f"{field}.result")
    if "context" in data:
        context = _context(data["context"])
        if context is None:
            return None
        copied["context"] = context
    if "timestamp" in data:
        timestamp = data["timestamp"]
        copied["timestamp"] = normalise_timestamp(timestamp, field=f"{field}.timestamp", version=version)
    if "attachments" in data:
        copied["attachments"] = validate_attachments(data["attachments"], field=f"{field}.attachments")
    if not _add_lifecycle(data, copied, version=version, field=field):
        return None
    return {key: copied[key] for key in data}


def _add_lifecycle(data: Json, copied: Json, *, version: str, field: str) -> bool:
    """id, stored, authority and version, in the full validator's order; False to leave it to that."""
    if "id" in data:
        statement_id = data["id"]
        if type(statement_id) is not str or UUID.fullmatch(statement_id) is None:
            return False
        copied["id"] = statement_id
    if "stored" in data:
        copied["stored"] = normalise_timestamp(data["stored"], field=f"{field}.stored", version=version)
    if "authority" in data:
        authority = data["authority"]
        copied["authority"] = validate_authority(authority, version=version, field=f"{field}.authority")
    if "version" in data:
        statement_version = data["version"]
        if type(statement_version) is not str or not statement_version_matches(statement_version, version):
            return False
        copied["version"] = statement_version
    return True


def _agent(data: object) -> Json | None:
    """An Agent (not a Group) with exactly one identifier."""
    if type(data) is not dict:
        return None
    copied: Json = {}
    identifiers = 0
    for key, value in data.items():
        if key == "name" or key == "objectType":
            if type(value) is not str or (key == "objectType" and value != "Agent"):
                return None
        else:
            value = _identifier(key, value)
            if value is None:
                return None
            identifiers += 1
        copied[key] = value
    return copied if identifiers == 1 else None


def _identifier(key: str, value: object) -> object | None:
    """A valid inverse functional identifier's value (an account copied); None for anything else."""
    if type(value) is dict:
        return _account(value) if key == "account" else None
    if type(value) is not str:
        return None
    if key == "mbox":
        valid = is_mbox(value)
    elif key == "openid":
        valid = is_iri(value)
    else:
        valid = key == "mbox_sha1sum" and SHA1_HEX.fullmatch(value) is not None
    return value if valid else None


def _account(data: object) -> Json | None:
    if type(data) is not dict or len(data) != 2:
        return None
    home_page, name = data.get("homePage"), data.get("name")
    if type(home_page) is not str or type(name) is not str or not is_iri(home_page):
        return None
    return dict(data)


def _verb(data: object) -> Json | None:
    if type(data) is not dict:
        return None
    verb_id = data.get("id")
    if type(verb_id) is not str or not is_iri(verb_id):
        return None
    if len(data) == 1:
        return {"id": verb_id}
    display = _language_map(data.get("display"))
    if len(data) != 2 or display is None:
        return None
    return {"id": verb_id, "display": display}


def _activity(data: object) -> Json | None:
    """An Activity whose definition, if any, has only names, descriptions, IRIs and extensions."""
    if type(data) is not dict:
        return None
    copied: Json = {}
    for key, value in data.items():
        if key == "id":
            if type(value) is not str or not is_iri(value):
                return None
        elif key == "objectType":
            if value != "Activity":
                return None
        elif key == "definition":
            value = _definition(value)
            if value is None:
                return None
        else:
            return None
        copied[key] = value
    return copied if "id" in copied else None


def _definition(data: object) -> Json | None:
    if type(data) is not dict:
        return None
    copied: Json = {}
    for key, value in data.items():
        if key == "name" or key == "description":
            value = _language_map(value)
        elif key == "type" or key == "moreInfo":
            if type(value) is not str or not is_iri(value):
                return None
        elif key == "extensions":
            value = _extensions(value)
        else:
            return None
        if value is None:
            return None
        copied[key] = value
    return copied


def _context(data: object) -> Json | None:
    """A context without team, statement reference, contextAgents or contextGroups."""
    if type(data) is not dict:
        return None
    copied: Json = {}
    for key, value in data.items():
        if key == "contextActivities":
            value = _context_activities(value)
        elif key == "instructor":
            value = _agent(value)
        elif key == "extensions":
            value = _extensions(value)
        elif type(value) is not str or not _is_context_string(key, value):
            return None
        if value is None:
            return None
        copied[key] = value
    return copied


def _is_context_string(key: str, value: str) -> bool:
    """The object is an Activity on this path, so revision and platform are allowed."""
    if key == "registration":
        return UUID.fullmatch(value) is not None
    if key == "language":
        return is_language_tag(value)
    return key == "platform" or key == "revision"


def _context_activities(data: object) -> dict[str, list[Json]] | None:
    """Each role as an array of Activities, the form the full validator returns."""
    if type(data) is not dict:
        return None
    copied: dict[str, list[Json]] = {}
    for role, value in data.items():
        items = [value] if type(value) is dict else value if type(value) is list else None
        if role not in CONTEXT_ACTIVITY_KEYS or items is None:
            return None
        activities: list[Json] = []
        for item in items:
            activity = _activity(item)
            if activity is None:
                return None
            activities.append(activity)
        copied[role] = activities
    return copied


def _language_map(data: object) -> Json | None:
    if type(data) is not dict:
        return None
    for tag, text in data.items():
        if type(text) is not str or not is_language_tag(tag):
            return None
    return dict(data)


def _extensions(data: object) -> Json | None:
    if type(data) is not dict:
        return None
    for key in data:
        if not is_iri(key):
            return None
    return {key: copy_json(item) for key, item in data.items()}
