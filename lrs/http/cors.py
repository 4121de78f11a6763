"""CORS for browser-launched learning content calling the xAPI from another origin.

Only /xapi/ paths are shared cross-origin: reporting and admin pages stay same-origin. The allow-list
is `settings.cors_origins` ("*" = any origin). Allowed origins are echoed (with `Vary: Origin`).
Credentialed CORS is never allowed: xAPI content sends its Authorization header explicitly, and
`Access-Control-Allow-Credentials` would let any listed (with "*", any) site read statements through
a login the browser has cached. For the same reason a cross-origin 401 carries no Basic challenge
(see `lrs.http.errors`). This middleware is the outermost one: error responses (401, 400, 413) carry
the headers too, or the browser would hide them from the content.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from aiohttp import web

from lrs.http.context import SETTINGS
from lrs.http.middleware_types import Handler

ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
ALLOW_HEADERS = (
    "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language, Accept"
)
EXPOSE_HEADERS = (
    "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through, "
    "Content-Type, Content-Length, Location"
)
# Chromium caps a cached preflight at two hours; asking for more only misleads the reader.
MAX_AGE_SECONDS = 7200
ANY_ORIGIN = "*"
_SHARED_PREFIX = "/xapi/"


def origin_allowed(origin: str, allowed: Iterable[str]) -> bool:
    """Whether `origin` (the request's Origin header) is in the allow-list.

    "null" (file:// content, sandboxed frames) is only allowed when listed literally: "*" does not
    cover it, because any local file could then speak for it."""
    normalised = _normalise(origin)
    for entry in allowed:
        if entry == ANY_ORIGIN and normalised != "null":
            return True
        if _normalise(entry) == normalised:
            return True
    return False


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        **_origin_headers(origin),
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
    }


def actual_headers(origin: str) -> dict[str, str]:
    return {**_origin_headers(origin), "Access-Control-Expose-Headers": EXPOSE_HEADERS}


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(_SHARED_PREFIX):
        return await handler(request)
    origin = request.headers.get("Origin")
    allowed_origin = origin if origin and origin_allowed(origin, request.app[SETTINGS].cors_origins) else None
    if origin is not None and _is_preflight(request):
        return _preflight_response(origin, allowed_origin is not None)
    try:
        response = await handler(request)
    except web.HTTPException as err:  # redirects and other responses raised past the error middleware
        _decorate(err, allowed_origin)
        raise
    if not response.prepared:
        _decorate(response, allowed_origin)
    return response


def _is_preflight(request: web.Request) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def _preflight_response(origin: str, allowed: bool) -> web.Response:
    if not allowed:
        body = {"error": True, "message": f"origin {origin} is not allowed to call this LRS"}
        return web.Response(status=403, text=json.dumps(body), content_type="application/json")
    response = web.Response(status=204, headers=preflight_headers(origin))
    _add_vary_origin(response)
    return response


def _decorate(response: web.StreamResponse, allowed_origin: str | None) -> None:
    # Every /xapi/ answer depends on Origin, even one sent without it: a browser cache must not hand
    # a response fetched without CORS headers to content that needs them.
    _add_vary_origin(response)
    if allowed_origin is not None:
        response.headers.update(actual_headers(allowed_origin))


def _origin_headers(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin}


def _add_vary_origin(response: web.StreamResponse) -> None:
    current = [part.strip() for part in response.headers.get("Vary", "").split(",") if part.strip()]
    if not any(part.lower() in ("origin", "*") for part in current):
        response.headers["Vary"] = ", ".join([*current, "Origin"])


def is_cross_origin(request: web.Request) -> bool:
    """Whether the request says it comes from a page of another origin than this server's."""
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = {_normalise(f"{request.scheme}://{request.host}"), _normalise(request.app[SETTINGS].base_url)}
    return _normalise(origin) not in own


def _normalise(origin: str) -> str:
    return origin.strip().rstrip("/").lower()
