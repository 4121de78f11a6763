"""HR completions API: GET /api/v1/completions as JSON pages, or a whole pass as CSV or XLSX.

JSON: `{"records": [...], "more": bool, "cursor": str|null, "high_watermark": str}`; follow
`cursor` until `more` is false, then pull again later with `since=<high_watermark>`.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

from aiohttp import web

from lrs.digits import is_whole_number
from lrs.errors import InvalidRequest, NotPermitted
from lrs.http.auth import caller_for, require
from lrs.http.context import CALLER, DATABASE
from lrs.reporting.csv_lines import csv_pass
from lrs.reporting.export import CSV_EXCEL, CSV_PLAIN, CsvDialect, csv_header
from lrs.reporting.filters import (
    FILTER_PARAMS,
    CompletionFilters,
    Cursor,
    decode_cursor,
    encode_cursor,
    parse_filters,
    watermark,
)
from lrs.reporting.flat import flat_pass
from lrs.reporting.queries import completion_records, pass_upper_bound
from lrs.reporting.xlsx import XLSX_CHUNK, XLSX_TYPE, temporary_xlsx, write_xlsx
from lrs.scopes import Access

COMPLETIONS_PATH = "/api/v1/completions"
_PARAMS = frozenset({*FILTER_PARAMS, "cursor", "limit", "format"})
_FORMATS = {"json": "json", "csv": "csv", "excel": "excel", "xlsx": "xlsx"}
_ACCEPT = (("text/csv", "csv"), (XLSX_TYPE, "xlsx"), ("application/json", "json"))
DEFAULT_LIMIT, MAX_LIMIT = 500, 5000


def add_report_routes(app: web.Application) -> None:
    app.router.add_get(COMPLETIONS_PATH, get_completions)


async def get_completions(request: web.Request) -> web.StreamResponse:
    request[CALLER] = await caller_for(request)
    caller = require(request, Access.REPORTS_READ)
    unknown = sorted(set(request.query) - _PARAMS)
    if unknown:
        raise InvalidRequest(
            unknown[0], f"unknown parameter {', '.join(unknown)}; allowed: {', '.join(sorted(_PARAMS))}"
        )
    filters = limited_to(caller.organisations, parse_filters(request.query))
    chosen = response_format(request)
    if chosen == "json":
        return await _json_page(request, filters)
    if chosen == "xlsx":
        return await _xlsx(request, filters)
    return await _csv(request, filters, CSV_EXCEL if chosen == "excel" else CSV_PLAIN)


def limited_to(allowed: frozenset[str], filters: CompletionFilters) -> CompletionFilters:
    """The filters of an organisation-scoped credential: its councils, or the ones asked of them."""
    if not allowed:
        return filters
    outside = sorted(filters.organisations - allowed)
    if outside:
        raise NotPermitted(f"this credential may not read organisation {', '.join(outside)}")
    return replace(filters, organisations=filters.organisations or allowed)


def response_format(request: web.Request) -> str:
    asked = request.query.get("format")
    if asked is not None:
        if asked not in _FORMATS:
            raise InvalidRequest("format", f"{asked!r} is not one of {', '.join(_FORMATS)}")
        return _FORMATS[asked]
    accept = request.headers.get("Accept", "")
    for media_type, name in _ACCEPT:
        if media_type in accept:
            return name
    return "json"


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", str(DEFAULT_LIMIT))
    if not is_whole_number(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidRequest("limit", f"{raw!r} is not a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


async def _json_page(request: web.Request, filters: CompletionFilters) -> web.Response:
    limit = _limit(request)
    token = request.query.get("cursor")
    async with request.app[DATABASE].read_session() as session:
        if token:
            after = decode_cursor(filters, token)
        else:
            after = Cursor(upper=await pass_upper_bound(session), seq=-1, record_id=-1)
        page = await completion_records(session, filters, after, limit + 1)
    more = len(page) > limit
    page = page[:limit]
    cursor = (
        encode_cursor(filters, Cursor(after.upper, page[-1].change_seq, page[-1].record_id)) if more else None
    )
    body = {
        "records": [record.as_json() for record in page],
        "more": more,
        "cursor": cursor,
        "high_watermark": watermark(after.upper),
    }
    return web.json_response(body)


async def _csv(request: web.Request, filters: CompletionFilters, dialect: CsvDialect) -> web.StreamResponse:
    response = web.StreamResponse(headers=_download_headers("csv"))
    response.content_type = "text/csv"
    response.charset = "utf-8"
    await response.prepare(request)
    await response.write(csv_header(dialect).encode())
    async for text, _count in csv_pass(request.app[DATABASE], filters, dialect):
        await response.write(text.encode())
    await response.write_eof()
    return response


async def _xlsx(request: web.Request, filters: CompletionFilters) -> web.StreamResponse:
    path = temporary_xlsx()
    try:
        await write_xlsx(flat_pass(request.app[DATABASE], filters), path)
        response = web.StreamResponse(headers=_download_headers("xlsx"))
        response.content_type = XLSX_TYPE
        await response.prepare(request)
        with path.open("rb") as stream:
            while chunk := await asyncio.to_thread(stream.read, XLSX_CHUNK):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def _download_headers(extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="completions.{extension}"'}
