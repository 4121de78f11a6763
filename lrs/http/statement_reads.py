"""GET /xapi/statements: single statements, filtered pages with `more` links, formats, attachments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from lrs import json_codec
from lrs.digits import is_whole_number
from lrs.errors import InvalidRequest, NotFound
from lrs.http.auth import require
from lrs.http.context import CLOCK, DATABASE, HASH_KEY, RESPONSE_HEADERS, SETTINGS, XAPI_VERSION, Caller
from lrs.http.cursors import cursor_key, open_cursor, sign_cursor
from lrs.http.document_params import agent_param
from lrs.scopes import Access, reads_only_own_statements
from lrs.storage.statement_query import StatementFilter, find_statement, load_attachments, query_statements
from lrs.storage.statements import utc_from_us
from lrs.xapi.formats import FORMATS, format_statement, parse_accept_language
from lrs.xapi.multipart import AttachmentPart, build_multipart_mixed
from lrs.xapi.timestamps import format_timestamp, parse_timestamp

QUERY_PARAMS = frozenset(
    {
        "statementId",
        "voidedStatementId",
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
        "more",
    }
)
_SINGLE_COMPANIONS = frozenset({"statementId", "voidedStatementId", "format", "attachments"})
CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"


async def get_statements(request: web.Request) -> web.StreamResponse:
    request[RESPONSE_HEADERS][CONSISTENT_THROUGH] = format_timestamp(request.app[CLOCK]())
    caller = require(request, Access.STATEMENTS_READ)
    params = dict(request.query)
    allowed = QUERY_PARAMS
    if "more" in params:
        params = _decode_more(params, cursor_key(request.app[HASH_KEY]))
        allowed = QUERY_PARAMS | {"_after"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidRequest(unknown[0], "is not a parameter of GET /statements")
    fmt = params.get("format", "exact")
    if fmt not in FORMATS:
        raise InvalidRequest("format", f"must be one of {', '.join(FORMATS)}")
    rendering = _Rendering(
        fmt,
        parse_accept_language(request.headers.get("Accept-Language")),
        _boolean(params, "attachments"),
    )
    if "statementId" in params or "voidedStatementId" in params:
        return await _single(request, caller, params, rendering)
    return await _page(request, caller, params, rendering)


@dataclass(frozen=True)
class _Rendering:
    """How the client asked to see statements: format, languages, attachments."""

    fmt: str
    languages: list[str]
    with_attachments: bool

    def formatted(self, statement: dict[str, Any]) -> dict[str, Any]:
        # Statements read from storage are fresh objects already: "exact" needs no defensive copy.
        if self.fmt == "exact":
            return statement
        return format_statement(statement, self.fmt, self.languages)


async def _single(
    request: web.Request, caller: Caller, params: dict[str, str], rendering: _Rendering
) -> web.StreamResponse:
    extra = sorted(set(params) - _SINGLE_COMPANIONS)
    if extra or ("statementId" in params and "voidedStatementId" in params):
        field = extra[0] if extra else "voidedStatementId"
        raise InvalidRequest(field, "cannot be combined with statementId / voidedStatementId")
    voided = "voidedStatementId" in params
    name = "voidedStatementId" if voided else "statementId"
    statement_id = _uuid(params[name], name)
    async with request.app[DATABASE].read_session() as session:
        found = await find_statement(session, statement_id, voided=voided)
        if found is None:
            raise NotFound(f"no {'voided ' if voided else ''}statement with id {statement_id}")
        statement, stored_us = found
        if reads_only_own_statements(caller.scopes) and not _authored_by(statement, caller, request):
            raise NotFound(f"no statement with id {statement_id}")
        body = rendering.formatted(statement)
        response = await _render(request, session, body, [body], rendering.with_attachments)
    response.headers["Last-Modified"] = format_datetime(utc_from_us(stored_us), usegmt=True)
    return response


def _authored_by(statement: dict[str, Any], caller: Caller, request: web.Request) -> bool:
    account = (statement.get("authority") or {}).get("account") or {}
    return account.get("name") == caller.key and account.get("homePage") == request.app[SETTINGS].base_url


async def _page(
    request: web.Request, caller: Caller, params: dict[str, str], rendering: _Rendering
) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    criteria = _criteria(params, request, caller)
    limit = _limit(params, settings.statement_page_limit, settings.statement_max_limit)
    after = _after(params)
    async with request.app[DATABASE].read_session() as session:
        page = await query_statements(session, criteria, limit=limit, after=after)
        statements = [rendering.formatted(statement) for statement in page.statements]
        more = _more_link(params, page.last_key, cursor_key(request.app[HASH_KEY])) if page.last_key else ""
        return await _render(
            request, session, {"statements": statements, "more": more}, statements, rendering.with_attachments
        )


def _criteria(params: dict[str, str], request: web.Request, caller: Caller) -> StatementFilter:
    version = request[XAPI_VERSION]
    agent = agent_param(params["agent"], version=version)[1] if "agent" in params else None
    return StatementFilter(
        agent_ifi=agent,
        related_agents=_boolean(params, "related_agents"),
        verb=_iri(params, "verb"),
        activity=_iri(params, "activity"),
        related_activities=_boolean(params, "related_activities"),
        registration=_uuid(params["registration"], "registration") if "registration" in params else None,
        since_us=_instant_us(params, "since"),
        until_us=_instant_us(params, "until"),
        ascending=_boolean(params, "ascending"),
        credential_id=caller.credential_id if reads_only_own_statements(caller.scopes) else None,
    )


def _boolean(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise InvalidRequest(name, "must be true or false")
    return value == "true"


def _iri(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is not None and (":" not in value or any(ch.isspace() for ch in value)):
        raise InvalidRequest(name, "must be an absolute IRI")
    return value


def _uuid(value: str, name: str) -> str:
    try:
        return str(uuid.UUID(value)) if len(value) == 36 else _bad_uuid(name)
    except ValueError:
        return _bad_uuid(name)


def _bad_uuid(name: str) -> str:
    raise InvalidRequest(name, "must be a UUID")


def _instant_us(params: dict[str, str], name: str) -> int | None:
    if name not in params:
        return None
    moment: datetime = parse_timestamp(params[name], field=name)
    return int(moment.timestamp() * 1_000_000)


def _limit(params: dict[str, str], default: int, maximum: int) -> int:
    raw = params.get("limit")
    if raw is None:
        return default
    if not is_whole_number(raw):
        raise InvalidRequest("limit", "must be a non-negative integer")
    value = int(raw)
    return maximum if value == 0 else min(value, maximum)


def _after(params: dict[str, str]) -> tuple[int, int] | None:
    raw = params.get("_after")
    if raw is None:
        return None
    stored_us, _, pk = raw.partition(".")
    if not (is_whole_number(stored_us) and is_whole_number(pk) and len(stored_us) < 19 and len(pk) < 19):
        raise InvalidRequest("more", "is not a token this LRS issued")
    return int(stored_us), int(pk)


def _more_link(params: dict[str, str], last_key: tuple[int, int], key: bytes) -> str:
    state = {name: value for name, value in params.items() if name != "_after"}
    state["_after"] = f"{last_key[0]}.{last_key[1]}"
    return f"/xapi/statements?more={sign_cursor(state, key)}"


def _decode_more(params: dict[str, str], key: bytes) -> dict[str, str]:
    if len(params) != 1:
        raise InvalidRequest("more", "cannot be combined with other parameters")
    return open_cursor(params["more"], key)


async def _render(
    request: web.Request, session: Any, body: Any, statements: list[dict[str, Any]], with_attachments: bool
) -> web.StreamResponse:
    payload = json_codec.dumps_bytes(body)
    if not with_attachments:
        return web.Response(body=payload, content_type="application/json", charset="utf-8")
    sha2s = [a["sha2"] for s in statements for a in _all_attachments(s) if "sha2" in a]
    stored = await load_attachments(session, sha2s)
    parts = [AttachmentPart(sha2=sha2, content_type=ctype, data=data) for sha2, ctype, data in stored]
    content_type, multipart = build_multipart_mixed(payload, parts)
    return web.Response(body=multipart, headers={"Content-Type": content_type})


def _all_attachments(statement: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(statement.get("attachments") or [])
    target = statement.get("object") or {}
    if target.get("objectType") == "SubStatement":
        found += target.get("attachments") or []
    return found
