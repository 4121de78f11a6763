"""POST /admin/sessions/{session}/register: a facilitator's CSV register (admin credential).

Query: `facilitator` (email, required), `facilitator_name`, `accept_valid` (true: store the good rows
of a file with bad ones). The answer is a per-row report: 200 when stored, 422 when the file was
rejected (nothing stored), as for the roster upload.
"""

from __future__ import annotations

from aiohttp import web

from lrs.attendance.register import import_register
from lrs.attendance.statements import Person, normal_email
from lrs.errors import InvalidRequest
from lrs.http.auth import caller_for, require
from lrs.http.checkin import session_directory
from lrs.http.context import CALLER, CLOCK, DATABASE, SETTINGS
from lrs.scopes import Access
from lrs.statement_service import system_writer
from lrs.text_files import decode_text

CSV_TYPES = frozenset({"text/csv", "application/csv"})


async def post_register(request: web.Request) -> web.Response:
    if CALLER not in request:  # the auth middleware only covers /xapi/
        request[CALLER] = await caller_for(request)
    require(request, Access.ADMIN)
    if request.content_type not in CSV_TYPES:
        raise web.HTTPUnsupportedMediaType(reason="the register must be sent as text/csv")
    facilitator = _facilitator(request)
    text = decode_text(await request.read(), field="register")
    plan = await session_directory(request.app).session_plan(request.match_info["session"])
    report = await import_register(
        request.app[DATABASE],
        plan,
        text,
        facilitator=facilitator,
        accept_valid=request.query.get("accept_valid", "").lower() in {"1", "true", "yes"},
        writer=system_writer(request.app[SETTINGS].base_url),
        clock=request.app[CLOCK],
    )
    if report.stored:
        return web.json_response(report.to_json())
    message = (
        f"{report.errors} row(s) have errors, so nothing was stored; fix them, "
        "or send accept_valid=true to store the valid rows"
    )
    return web.json_response({"error": True, "message": message, **report.to_json()}, status=422)


def _facilitator(request: web.Request) -> Person:
    email = normal_email(request.query.get("facilitator", ""))
    if "@" not in email:
        raise InvalidRequest("facilitator", "the facilitator's work email is required (?facilitator=...)")
    return Person(email, request.query.get("facilitator_name", "").strip())
