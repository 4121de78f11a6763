"""Statement comparison (xAPI 1.0.3 Data 2.3.1, "Statement Comparison Requirements"; kept in 2.0.0).

The rule, quoted from the spec:

    "Differences which could have been caused by exceptions to Statement immutability MUST be ignored.
     Differences relating to a different serialization of any properties not listed as exceptions
     MUST not be ignored."

The exceptions to immutability (Data 2.3.1), and how each is applied here:

* "Potential or required assignments of properties during LRS processing ("id", "authority",
  "stored", "timestamp", "version")": ``authority`` and ``stored`` are ignored (the LRS always sets
  them); ``id``, ``timestamp`` and ``version`` are compared only when both statements carry them.
* "Activity Definitions referenced by a Statement ... not considered part of the Statement itself":
  Activity ``definition`` is ignored.
* "Verbs referenced by a Statement. The "display" property of the Verb is not considered part of the
  Statement itself": verb ``display`` is ignored.
* "Serialization of Timestamp data": ``timestamp`` is compared as a point in time, to the
  millisecond an LRS must preserve.
* "Serialization of un-ordered lists. The list of Agents in a Group is not considered to be an ordered
  list": ``member`` order is ignored.
* "Attachments. These are not part of Statements": ``attachments`` are ignored.
* "Case sensitivity. Some properties are case insensitive": the ``mailto`` scheme and e-mail domain,
  SHA-1 hex, UUIDs and language tags are compared case-insensitively.

Also treated as serialization only: a default ``objectType`` ("Agent" for actors and members,
"Activity" for objects and context activities) present or absent, a context activity given as one
object or a one-element array (Data 2.4.6.2), and a ``duration`` beyond 0.01 s ("any precision beyond
0.01 second precision SHOULD* NOT be included in the comparison", Data 2.4.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .activities import CONTEXT_ACTIVITY_KEYS
from .agents import canonical_mbox
from .durations import comparable_duration
from .errors import XapiValidationError
from .timestamps import parse_timestamp

_LRS_ASSIGNED_WHEN_MISSING = ("id", "timestamp", "version")
_IGNORED = frozenset(("authority", "stored", "attachments"))


def statements_equivalent(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when ``a`` and ``b`` are the same statement under the comparison rules above."""
    left, right = _comparable_statement(a), _comparable_statement(b)
    for key in _LRS_ASSIGNED_WHEN_MISSING:
        if key not in left or key not in right:
            left.pop(key, None)
            right.pop(key, None)
    return left == right


def _comparable_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    comparable: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _IGNORED:
            continue
        if key in ("actor", "instructor", "team"):
            comparable[key] = _comparable_actor(value)
        elif key == "verb":
            comparable[key] = (
                {k: v for k, v in value.items() if k != "display"} if isinstance(value, Mapping) else value
            )
        elif key == "object":
            comparable[key] = _comparable_object(value)
        elif key == "result":
            comparable[key] = _comparable_result(value)
        elif key == "context":
            comparable[key] = _comparable_context(value)
        elif key == "timestamp":
            comparable[key] = _comparable_instant(value)
        elif key == "id":
            comparable[key] = value.lower() if isinstance(value, str) else value
        else:
            comparable[key] = value
    return comparable


def _comparable_actor(actor: Any) -> Any:
    if not isinstance(actor, Mapping):
        return actor
    comparable = {
        key: value for key, value in actor.items() if not (key == "objectType" and value == "Agent")
    }
    if isinstance(comparable.get("mbox"), str):
        comparable["mbox"] = canonical_mbox(comparable["mbox"])
    if isinstance(comparable.get("mbox_sha1sum"), str):
        comparable["mbox_sha1sum"] = comparable["mbox_sha1sum"].lower()
    if isinstance(comparable.get("member"), list):
        comparable["member"] = sorted(
            (_comparable_actor(member) for member in comparable["member"]), key=repr
        )
    return comparable


def _comparable_object(target: Any) -> Any:
    if not isinstance(target, Mapping):
        return target
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        return _comparable_activity(target)
    if kind in ("Agent", "Group"):
        return {**_comparable_actor(target), "objectType": kind}
    if kind == "StatementRef":
        return _comparable_statement_ref(target)
    return _comparable_statement(target)


def _comparable_activity(activity: Any) -> Any:
    if not isinstance(activity, Mapping):
        return activity
    return {"objectType": "Activity", "id": activity.get("id")}


def _comparable_statement_ref(reference: Any) -> Any:
    if not isinstance(reference, Mapping) or not isinstance(reference.get("id"), str):
        return reference
    return {**reference, "id": reference["id"].lower()}


def _comparable_result(result: Any) -> Any:
    if not isinstance(result, Mapping) or not isinstance(result.get("duration"), str):
        return result
    return {**result, "duration": comparable_duration(result["duration"])}


def _comparable_context(context: Any) -> Any:
    if not isinstance(context, Mapping):
        return context
    comparable = dict(context)
    for key in ("instructor", "team"):
        if key in comparable:
            comparable[key] = _comparable_actor(comparable[key])
    for key, wrapped in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(comparable.get(key), list):
            comparable[key] = [
                {**entry, wrapped: _comparable_actor(entry.get(wrapped))}
                if isinstance(entry, Mapping)
                else entry
                for entry in comparable[key]
            ]
    for key in ("registration", "language"):
        if isinstance(comparable.get(key), str):
            comparable[key] = comparable[key].lower()
    if "statement" in comparable:
        comparable["statement"] = _comparable_statement_ref(comparable["statement"])
    if isinstance(comparable.get("contextActivities"), Mapping):
        comparable["contextActivities"] = _comparable_context_activities(comparable["contextActivities"])
    return comparable


def _comparable_context_activities(activities: Mapping[str, Any]) -> dict[str, Any]:
    comparable: dict[str, Any] = {}
    for key in CONTEXT_ACTIVITY_KEYS:
        value = activities.get(key)
        if value is None:
            continue
        items = [value] if isinstance(value, Mapping) else value
        comparable[key] = [_comparable_activity(item) for item in items] if isinstance(items, list) else items
    return comparable


def _comparable_instant(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        moment = parse_timestamp(value, field="timestamp")
    except XapiValidationError:
        return value
    return _truncate_to_milliseconds(moment)


def _truncate_to_milliseconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)
