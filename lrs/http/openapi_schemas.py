"""Component schemas of the OpenAPI document for the admin API: what each admin route takes and answers
(the handlers in lrs.http.admin, register, people, audit and admin_notifications build these shapes)."""

from __future__ import annotations

from typing import Any

_TEXT = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_DATE = {"type": "string", "format": "date"}
_STRING, _INTEGER, _BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_STRINGS = {"type": "array", "items": _STRING}


def closed(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly these properties, all required but `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _open(required: list[str], properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties or {}}


def _programme_definition() -> dict[str, Any]:
    """A programme definition (docs/programmes.md): the server validates it fully and names the key
    path of any problem; the document gives its outline."""
    with_id = _open(["id"], {"id": _STRING})
    return {
        "type": "object",
        "required": ["programme"],
        "properties": {
            "programme": _open(["id", "title"], {"id": _STRING, "title": _STRING, "description": _TEXT}),
            "organisations": _array(_open(["id", "name"], {"id": _STRING, "name": _STRING})),
            "lists": _array(with_id),
            "cohorts": _array(_open(["id", "title", "start", "end"], {"start": _DATE, "end": _DATE})),
            "modules": _array(_open(["id", "activity", "title"], {"due": _TEXT})),
            "sessions": _array(_open(["id", "cohort", "activity", "title", "start", "end"])),
            "blocks": _array(with_id),
            "completion": {"type": "object"},
            "confidence": {"type": "object"},
            "notifications": {"type": "object"},
            "off_the_job": {"type": "object"},
        },
    }


def _cohort() -> dict[str, Any]:
    session = closed(
        {
            "id": _STRING,
            "title": _STRING,
            "kind": _STRING,
            "activity": _STRING,
            "start": _TIME,
            "end": _TIME,
            "timezone": _STRING,
        }
    )
    member = closed(
        {
            "learner_id": _INTEGER,
            "name": _STRING,
            "email": _STRING,
            "employee_number": _TEXT,
            "organisation": _STRING,
            "organisation_name": _TEXT,
            "role": _STRING,
            "status": {"enum": ["enrolled", "withdrawn"]},
            "enrolled_at": _TIME,
            "registration": _STRING,
        }
    )
    return closed(
        {
            "id": _STRING,
            "programme": _STRING,
            "title": _STRING,
            "start": _DATE,
            "end": _DATE,
            "sessions": _array(session),
            "roster": _array(member),
        }
    )


def _roster_report() -> dict[str, Any]:
    row = closed(
        {
            "line": _INTEGER,
            "email": _STRING,
            "outcome": _STRING,
            "reason": _STRING,
            "learner_id": {"type": ["integer", "null"]},
            "cohort": _STRING,
            "changes": _STRINGS,
            "cleared": _STRINGS,
        }
    )
    counts = {"type": "object", "additionalProperties": _INTEGER}
    return closed({"written": _BOOLEAN, "dry_run": _BOOLEAN, "counts": counts, "rows": _array(row)})


def _confidence() -> dict[str, Any]:
    answer = {
        "oneOf": [
            {"type": "null"},
            closed({"raw": _NUMBER_OR_NULL, "scaled": _NUMBER_OR_NULL, "at": _TIME}),
        ]
    }
    learner = closed({"learner_id": _INTEGER, "pre": answer, "post": answer, "change": _NUMBER_OR_NULL})
    return closed(
        {
            "cohort": _STRING,
            "programme": _STRING,
            "mean_pre": _NUMBER_OR_NULL,
            "mean_post": _NUMBER_OR_NULL,
            "mean_change": _NUMBER_OR_NULL,
            "learners": _array(learner),
        }
    )


def _register_report(*, rejected: bool) -> dict[str, Any]:
    row = closed(
        {"line": _INTEGER, "email": _STRING, "outcome": _STRING, "message": _STRING, "statement_id": _STRING},
        optional=("message", "statement_id"),
    )
    properties: dict[str, Any] = {
        "session": _STRING,
        "stored": _BOOLEAN,
        "errors": _INTEGER,
        "rows": _array(row),
    }
    if rejected:
        properties = {"error": {"const": True}, "message": _STRING, **properties}
    return closed(properties)


def _notifications_page() -> dict[str, Any]:
    attempt = closed(
        {
            "channel": _STRING,
            "number": _INTEGER,
            "started_at": _TIME,
            "outcome": _STRING,
            "detail": _TEXT,
            "delivery_state": _STRING,
        }
    )
    record = closed(
        {
            "key": _STRING,
            "rule": _STRING,
            "category": _STRING,
            "learner": _TEXT,
            "cohort": _STRING,
            "channel": _TEXT,
            "due_at": _TIME,
            "due_at_local": _TIME,
            "state": _STRING,
            "reason": _STRING,
            "attempts": _array(attempt),
        },
        optional=("reason",),
    )
    return closed({"notifications": _array(record), "next": _STRING}, optional=("next",))


def admin_schemas() -> dict[str, Any]:
    summary = closed(
        {
            "id": _STRING,
            "title": _STRING,
            "version": _INTEGER,
            "hash": _STRING,
            "source": _STRING,
            "updated_at": _TIME,
        }
    )
    entry = closed(
        {
            "id": _INTEGER,
            "at": _TIME,
            "actor": _STRING,
            "action": _STRING,
            "target": _STRING,
            "detail": {"type": "object"},
        }
    )
    receipt = closed(
        {
            "learner_id": {"type": ["integer", "null"]},
            "pseudonym": _STRING,
            "erased_at": _TIME,
            "dry_run": _BOOLEAN,
            "removed": {"type": "object", "additionalProperties": _INTEGER},
            "kept": _STRINGS,
        }
    )
    return {
        "ProgrammeSummaries": closed({"programmes": _array(summary)}),
        "ProgrammeDefinition": _programme_definition(),
        "ProgrammeSaved": closed({"id": _STRING, "version": _INTEGER, "changed": _BOOLEAN}),
        "Cohort": _cohort(),
        "RosterReport": _roster_report(),
        "Confidence": _confidence(),
        "RegisterReport": _register_report(rejected=False),
        "RegisterRejected": _register_report(rejected=True),
        "ErasureReceipt": receipt,
        "NotificationsPage": _notifications_page(),
        "AuditPage": closed({"entries": _array(entry)}),
    }
