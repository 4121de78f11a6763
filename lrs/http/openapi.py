"""The OpenAPI 3.1 document for /api/v1/ and the admin API, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from lrs.http.openapi_schemas import admin_schemas
from lrs.reporting.filters import FILTER_PARAMS, ITEM_TYPES, STATUSES
from lrs.reporting.xlsx import XLSX_TYPE
from notifications.schedule import PlanState

OPENAPI_PATH = "/api/openapi.json"
_TEXT = {"type": ["string", "null"]}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_NUMBER = {"type": ["number", "null"]}


def add_openapi_route(app: web.Application) -> None:
    app.router.add_get(OPENAPI_PATH, get_openapi)


async def get_openapi(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def _record_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "record_id": {"type": "string"},
        "learner_id": {"type": "string"},
        "employee_number": _TEXT,
        "work_email": {"type": "string"},
        "name": {"type": "string"},
        "organisation": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            "required": ["id", "name"],
            "additionalProperties": False,
        },
        "role": {"type": "string"},
        "programme": {"type": "string"},
        "cohort": {"type": "string"},
        "item_type": {"enum": sorted(ITEM_TYPES)},
        "item_id": {"type": "string"},
        "item_title": _TEXT,
        "status": {"enum": [*sorted(STATUSES), None]},
        "enrolled_at": _TIME,
        "started_at": _TIME,
        "completed_at": _TIME,
        "satisfied_at": _TIME,
        "score_scaled": _NUMBER,
        "time_spent_minutes": _NUMBER,
        "completion_pct": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
        "off_the_job_hours": _NUMBER,
        "updated_at": {"type": "string", "format": "date-time"},
        "deleted": {"type": "boolean"},
        "source": {"type": "string"},
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _schemas() -> dict[str, Any]:
    return {
        "CompletionRecord": _record_schema(),
        "CompletionsPage": {
            "type": "object",
            "properties": {
                "records": {"type": "array", "items": {"$ref": "#/components/schemas/CompletionRecord"}},
                "more": {"type": "boolean"},
                "cursor": _TEXT,
                "high_watermark": {"type": "string", "pattern": "^c-?[0-9]+$"},
            },
            "required": ["records", "more", "cursor", "high_watermark"],
            "additionalProperties": False,
        },
        "Error": {
            "type": "object",
            "properties": {
                "error": {"const": True},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
            "required": ["error", "message"],
        },
        **admin_schemas(),
    }


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


_ERRORS = {
    "400": "bad input; the message names the parameter",
    "401": "no or wrong credentials",
    "403": "the credential may not do this",
    "404": "no such programme, cohort, session or person",
    "409": "the change conflicts with what is stored (for example a cohort another programme owns)",
    "413": "the body is too large",
    "415": "the body is not of the content type the route takes",
    "429": "too many requests: see Retry-After",
}


def _operation(
    summary: str,
    schema: str,
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    also: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """An operation answering `schema` (JSON) with 200, the shared errors, and `also` (status:
    (description, schema)); `body` is its request body's content."""
    responses: dict[str, Any] = {"200": {"description": summary, "content": _json(schema)}}
    for status, (description, answer) in (also or {}).items():
        responses[status] = {"description": description, "content": _json(answer)}
    for status, description in _ERRORS.items():
        responses[status] = {"description": description, "content": _json("Error")}
    operation: dict[str, Any] = {
        "summary": summary,
        "security": [{"basic": []}],
        "parameters": parameters or [],
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema or {"type": "string"},
        "description": description,
    }


def _path_param(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


_FLAG = {"enum": ["true", "false"]}
_CSV_BODY = {"text/csv": {"schema": {"type": "string"}}}


def _completions() -> dict[str, Any]:
    filters: dict[str, dict[str, Any]] = {
        "item_type": {"enum": sorted(ITEM_TYPES)},
        "status": {"enum": sorted(STATUSES)},
        "since": {"type": "string", "description": "a high_watermark (c123) or an ISO 8601 time with a zone"},
    }
    parameters = [
        _query(name, f"filter: {name} (see docs/reporting.md)", filters.get(name)) for name in FILTER_PARAMS
    ]
    parameters += [
        _query("cursor", "next page (from the previous page)"),
        _query("limit", "records per page", {"type": "integer", "minimum": 1, "maximum": 5000}),
        _query("format", "json|csv|excel|xlsx", {"enum": ["json", "csv", "excel", "xlsx"]}),
    ]
    operation = _operation("completion records", "CompletionsPage", parameters=parameters)
    files = {"text/csv": {"schema": {"type": "string"}}, XLSX_TYPE: {"schema": {"type": "string"}}}
    operation["responses"]["200"]["content"].update(files)
    return {"get": operation}


def _admin_paths() -> dict[str, Any]:
    programme, cohort = [_path_param("programme")], [_path_param("cohort")]
    whole = {"type": "integer", "minimum": 1}
    return {
        "/admin/programmes": {"get": _operation("programme summaries", "ProgrammeSummaries")},
        "/admin/programmes/{programme}": {
            "get": _operation("a programme definition", "ProgrammeDefinition", parameters=programme),
            "put": _operation(
                "replace or create a programme (201 when created)",
                "ProgrammeSaved",
                parameters=programme,
                body=_json("ProgrammeDefinition"),
                also={"201": ("created", "ProgrammeSaved")},
            ),
        },
        "/admin/cohorts/{cohort}": {
            "get": _operation("a cohort and its roster", "Cohort", parameters=cohort),
        },
        "/admin/cohorts/{cohort}/roster": {
            "post": _operation(
                "import a roster (text/csv)",
                "RosterReport",
                parameters=[
                    *cohort,
                    _query("accept_valid", "store the valid rows even if some are rejected", _FLAG),
                    _query("dry_run", "check and report, store nothing", _FLAG),
                    _query("account_home_page", "account homePage for learners' xAPI accounts"),
                ],
                body=_CSV_BODY,
                also={"422": ("rejected rows stopped the import", "RosterReport")},
            )
        },
        "/admin/cohorts/{cohort}/confidence": {
            "get": _operation("pre/post confidence results", "Confidence", parameters=cohort)
        },
        "/admin/sessions/{session}/register": {
            "post": _operation(
                "record a session register (text/csv: email,status)",
                "RegisterReport",
                parameters=[
                    _path_param("session"),
                    {**_query("facilitator", "the facilitator's work email"), "required": True},
                    _query("facilitator_name", "the facilitator's name"),
                    _query("accept_valid", "store the good rows of a file with errors", _FLAG),
                ],
                body=_CSV_BODY,
                also={"422": ("rows have errors: nothing stored", "RegisterRejected")},
            )
        },
        "/admin/people/{person}": {
            "delete": _operation(
                "erase a person (the receipt names no one)",
                "ErasureReceipt",
                parameters=[_path_param("person", whole), _query("dry_run", "count only", _FLAG)],
            )
        },
        "/admin/notifications": {
            "get": _operation(
                "planned and sent messages, a page at a time",
                "NotificationsPage",
                parameters=[
                    _query("cohort", "a cohort id"),
                    _query("learner", "a learner's work email"),
                    _query("state", "a plan state", {"enum": [state.value for state in PlanState]}),
                    _query("cursor", "from `next`", {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}),
                    _query("limit", "records per page", {"type": "integer", "minimum": 1, "maximum": 500}),
                ],
            )
        },
        "/admin/audit": {
            "get": _operation(
                "the audit log of admin actions, newest first",
                "AuditPage",
                parameters=[
                    _query("limit", "entries per page", {"type": "integer", "minimum": 1, "maximum": 500}),
                    _query("before", "an entry id: the entries before it", whole),
                ],
            )
        },
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "cohort-lrs HR and admin API", "version": "1"},
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        },
        "paths": {"/api/v1/completions": _completions(), **_admin_paths()},
    }
