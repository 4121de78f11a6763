"""What a trusted reverse proxy says about a request: X-Forwarded-Proto, believed only from an address
in `settings.trusted_proxies` (anyone else could send the header)."""

from __future__ import annotations

from aiohttp import web

from lrs.http.context import SETTINGS


def from_trusted_proxy(request: web.Request) -> bool:
    return request.remote is not None and request.remote in request.app[SETTINGS].trusted_proxies


def is_https(request: web.Request) -> bool:
    """Whether the browser reached us over TLS: directly, or through a trusted TLS-terminating proxy."""
    if request.secure:
        return True
    if not from_trusted_proxy(request):
        return False
    first = request.headers.get("X-Forwarded-Proto", "").split(",")[0]
    return first.strip().lower() == "https"
