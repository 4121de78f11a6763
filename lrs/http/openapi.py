"""The OpenAPI 3.1 document for /api/v1/ and the admin API, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from lrs.reporting.filters import FILTER_PARAMS, ITEM_TYPES, STATUSES

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
        "ProgrammeSummaries": {
            "type": "object",
            "properties": {
                "programmes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "title", "version", "hash", "source", "updated_at"],
                        "properties": {"id": {"type": "string"}, "version": {"type": "integer"}},
                    },
                }
            },
            "required": ["programmes"],
        },
        "Object": {"type": "object"},
    }


def _query_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}


def _operation(
    summary: str, schema: str, *, parameters: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    errors = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "summary": summary,
        "security": [{"basic": []}],
        "parameters": parameters or [],
        "responses": {
            "200": {
                "description": summary,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            },
            "400": {"description": "bad input; the message names the parameter", **errors},
            "401": {"description": "no or wrong credentials", **errors},
            "403": {"description": "the credential may not do this", **errors},
        },
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def openapi_document() -> dict[str, Any]:
    completions = [_query(name, f"filter: {name} (see docs/reporting.md)") for name in FILTER_PARAMS]
    completions += [
        _query("cursor", "next page"),
        _query("limit", "1-5000"),
        _query("format", "json|csv|excel|xlsx"),
    ]
    programme, cohort = [_path_param("programme")], [_path_param("cohort")]
    return {
        "openapi": "3.1.0",
        "info": {"title": "cohort-lrs HR and admin API", "version": "1"},
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        },
        "paths": {
            "/api/v1/completions": {
                "get": _operation("completion records", "CompletionsPage", parameters=completions)
            },
            "/admin/programmes": {"get": _operation("programme summaries", "ProgrammeSummaries")},
            "/admin/programmes/{programme}": {
                "get": _operation("a programme definition", "Object", parameters=programme),
                "put": _operation("replace or create a programme", "Object", parameters=programme),
            },
            "/admin/cohorts/{cohort}": {
                "get": _operation("a cohort and its roster", "Object", parameters=cohort)
            },
            "/admin/cohorts/{cohort}/roster": {
                "post": _operation("import a roster (text/csv)", "Object", parameters=cohort)
            },
            "/admin/sessions/{session}/register": {
                "post": _operation("record a session register", "Object", parameters=[_path_param("session")])
            },
            "/admin/people/{person}": {
                "delete": _operation("erase a person", "Object", parameters=[_path_param("person")])
            },
            "/admin/cohorts/{cohort}/confidence": {
                "get": _operation("pre/post confidence results", "Object", parameters=cohort)
            },
            "/admin/notifications": {
                "get": _operation(
                    "planned and sent messages (cohort, learner, state, cursor, limit)",
                    "Object",
                    parameters=[
                        _query_param(name) for name in ("cohort", "learner", "state", "cursor", "limit")
                    ],
                )
            },
            "/admin/audit": {
                "get": _operation(
                    "the audit log of admin actions", "Object", parameters=[_query_param("limit")]
                )
            },
        },
    }
