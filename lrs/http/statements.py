"""Statement resource: PUT / POST / GET /xapi/statements."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from lrs.errors import InvalidRequest, PayloadTooLarge
from lrs.http.auth import require
from lrs.http.bodies import media_type, parse_json, read_body, refuse_nul_strings
from lrs.http.context import CLOCK, DATABASE, SETTINGS, XAPI_VERSION, Caller
from lrs.http.metrics import count_ingested
from lrs.http.statement_reads import get_statements
from lrs.scopes import Access, permits
from lrs.statement_service import attachment_contents, credential_authority, record_statements
from lrs.storage.statements import Writer
from lrs.xapi.multipart import AttachmentPart, check_attachments, parse_multipart_mixed
from lrs.xapi.statements import validate_statement, validate_statements


async def post_statements(request: web.Request) -> web.StreamResponse:
    caller = require(request, Access.STATEMENTS_WRITE)
    version = request[XAPI_VERSION]
    data, parts = await _read_statement_body(request, field="statements")
    statements = validate_statements(data, version=version)
    ids = await _record(request, caller, statements, parts)
    return web.json_response(ids)


async def put_statement(request: web.Request) -> web.StreamResponse:
    caller = require(request, Access.STATEMENTS_WRITE)
    version = request[XAPI_VERSION]
    statement_id = request.query.get("statementId")
    if not statement_id:
        raise InvalidRequest("statementId", "is required for PUT")
    _reject_unknown_params(request, {"statementId"})
    data, parts = await _read_statement_body(request, field="statement")
    statement = validate_statement(data, version=version)
    canonical_id = validate_statement({**statement, "id": statement_id}, version=version)["id"]
    if "id" in statement and statement["id"].lower() != canonical_id.lower():
        raise InvalidRequest("statement.id", f"{statement['id']} does not match statementId {statement_id}")
    statement["id"] = canonical_id
    await _record(request, caller, [statement], parts)
    return web.Response(status=204)


async def statements_get(request: web.Request) -> web.StreamResponse:
    return await get_statements(request)


async def _read_statement_body(request: web.Request, *, field: str) -> tuple[Any, list[AttachmentPart]]:
    raw = await read_body(request)
    settings = request.app[SETTINGS]
    kind = media_type(request)
    parts: list[AttachmentPart] = []
    if kind == "multipart/mixed":
        json_bytes, parts = parse_multipart_mixed(request.headers["Content-Type"], raw)
        for part in parts:
            if len(part.data) > settings.max_attachment_bytes:
                limit = settings.max_attachment_bytes
                raise PayloadTooLarge(
                    f"attachment {part.sha2} is {len(part.data)} bytes, over the limit of {limit}"
                )
    elif kind in ("application/json", ""):
        json_bytes = raw
    else:
        raise InvalidRequest("Content-Type", f"must be application/json or multipart/mixed, not {kind}")
    refuse_nul_strings(json_bytes, field=field)
    data = parse_json(
        json_bytes, field=field, max_depth=settings.max_json_depth, max_items=settings.max_json_items
    )
    return data, parts


async def _record(
    request: web.Request, caller: Caller, statements: list[dict[str, Any]], parts: list[AttachmentPart]
) -> list[str]:
    by_sha2 = check_attachments(statements, parts) if parts or _has_attachments(statements) else {}
    settings = request.app[SETTINGS]
    writer = Writer(
        credential_id=caller.credential_id,
        authority=credential_authority(settings.base_url, caller.key, caller.name),
        may_define=permits(caller.scopes, Access.DEFINE),
    )
    ids = await record_statements(
        request.app[DATABASE],
        statements,
        writer=writer,
        clock=request.app[CLOCK],
        version=request[XAPI_VERSION],
        attachments=attachment_contents(by_sha2),
    )
    count_ingested(request, len(statements))
    return ids


def _has_attachments(statements: list[dict[str, Any]]) -> bool:
    return any(statement.get("attachments") or _sub_attachments(statement) for statement in statements)


def _sub_attachments(statement: dict[str, Any]) -> Any:
    target = statement.get("object")
    return (
        isinstance(target, dict) and target.get("objectType") == "SubStatement" and target.get("attachments")
    )


def _reject_unknown_params(request: web.Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        raise InvalidRequest(unknown[0], "is not a parameter of this resource")
