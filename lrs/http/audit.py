"""GET /admin/audit: the audit log for admins (scope "all"), newest first.

Query: `limit` (1-500, default 100), `before` (an entry id: the page after the one that ended there).
"""

from __future__ import annotations

from aiohttp import web

from lrs.digits import is_whole_number
from lrs.errors import InvalidRequest
from lrs.http.auth import caller_for, require
from lrs.http.context import CALLER, DATABASE
from lrs.scopes import Access
from lrs.storage.audit import audit_entries

MAX_LIMIT = 500


def add_audit_routes(app: web.Application) -> None:
    app.router.add_get("/admin/audit", get_audit)


async def get_audit(request: web.Request) -> web.Response:
    request[CALLER] = await caller_for(request)
    require(request, Access.ADMIN)
    limit = _positive(request, "limit", 100)
    if limit > MAX_LIMIT:
        raise InvalidRequest("limit", f"must be at most {MAX_LIMIT}")
    before = _positive(request, "before", 0) or None
    async with request.app[DATABASE].read_session() as session:
        entries = await audit_entries(session, limit=limit, before_id=before)
    return web.json_response({"entries": [entry.as_json() for entry in entries]})


def _positive(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not is_whole_number(raw) or int(raw) < 1 or len(raw) > 18:
        raise InvalidRequest(name, "must be a positive whole number")
    return int(raw)
