"""X-Experience-API-Version negotiation: one store serves 1.0.3 and 2.0.0 clients."""

from __future__ import annotations

from aiohttp import web

from lrs.http.context import RESPONSE_HEADERS, SETTINGS, XAPI_VERSION
from lrs.http.middleware_types import Handler
from lrs.xapi.versions import negotiate_version

HEADER = "X-Experience-API-Version"
DEFAULT_VERSION = "2.0.0"
_UNVERSIONED = frozenset({"/xapi/about"})


@web.middleware
async def version_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/xapi/") or request.method == "OPTIONS":
        return await handler(request)
    raw = request.headers.get(HEADER)
    # Every response carries the header, errors included; an unversioned request cannot tell us which
    # version the client speaks, so it gets the configured default.
    request[RESPONSE_HEADERS][HEADER] = request.app[SETTINGS].unversioned_response_version
    version = DEFAULT_VERSION if raw is None and request.path in _UNVERSIONED else negotiate_version(raw)
    request[XAPI_VERSION] = version
    request[RESPONSE_HEADERS][HEADER] = version
    return await handler(request)
