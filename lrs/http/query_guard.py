"""Query and path parameters no handler can store or compare: a NUL character (PostgreSQL text refuses it,
SQLite would keep it and break a later move) is a 400 naming the parameter, on every route."""

from __future__ import annotations

from aiohttp import web

from lrs.errors import InvalidRequest
from lrs.http.middleware_types import Handler

NUL = "\x00"


def refuse_nul_parameters(query: web.Request) -> None:
    if NUL in query.path:  # a path parameter (an id) reaches a query as it is
        raise InvalidRequest("path", "must not contain a NUL character (\\u0000)")
    for name, value in query.query.items():
        if NUL in name or NUL in value:
            raise InvalidRequest(name.replace(NUL, "\\u0000"), "must not contain a NUL character (\\u0000)")


@web.middleware
async def query_guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Runs after the alternate syntax is rewritten, so form-borne parameters are checked too."""
    refuse_nul_parameters(request)
    return await handler(request)
