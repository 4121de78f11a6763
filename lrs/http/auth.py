"""HTTP Basic authentication per credential, scope checks, and a short-lived verification cache."""

from __future__ import annotations

import base64
import binascii
import hashlib
import time

from aiohttp import web

from lrs.errors import NotAuthenticated, NotPermitted
from lrs.http.context import CALLER, DATABASE, HASH_KEY, Caller
from lrs.http.middleware_types import Handler
from lrs.scopes import Access, permits
from lrs.storage.credentials import CredentialRevoked, authenticate

# Verified credentials are remembered briefly so a busy client does not cost a database read per
# request; a revoked credential stops working within this many seconds.
CACHE_SECONDS = 5.0
_CACHE = web.AppKey("auth_cache", dict[str, tuple[float, Caller]])
OPEN_PATHS = frozenset({"/xapi/about"})


def install_auth(app: web.Application) -> None:
    app[_CACHE] = {}


async def caller_for(request: web.Request) -> Caller:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise NotAuthenticated("HTTP Basic credentials are required")
    try:
        key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthenticated("malformed Basic credentials") from None
    if not sep:
        raise NotAuthenticated("malformed Basic credentials")
    cache = request.app[_CACHE]
    cache_key = hashlib.sha256(encoded.strip().encode()).hexdigest()
    hit = cache.get(cache_key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        async with request.app[DATABASE].read_session() as session:
            info = await authenticate(session, key=key, secret=secret, hash_key=request.app[HASH_KEY])
    except CredentialRevoked:
        cache.pop(cache_key, None)
        raise NotAuthenticated("this credential has been revoked: ask for a new one") from None
    if info is None:
        cache.pop(cache_key, None)
        raise NotAuthenticated("unknown key or wrong secret")
    caller = Caller(info.id, info.key, info.name, info.scopes, organisations=info.organisations)
    if len(cache) > 10_000:
        cache.clear()
    cache[cache_key] = (now + CACHE_SECONDS, caller)
    return caller


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/xapi/") and request.path not in OPEN_PATHS and request.method != "OPTIONS":
        request[CALLER] = await caller_for(request)
    return await handler(request)


def require(request: web.Request, access: Access) -> Caller:
    """The caller, if its scopes grant `access`; 403 otherwise."""
    caller: Caller = request[CALLER]
    if not permits(caller.scopes, access):
        scopes = " ".join(sorted(caller.scopes))
        raise NotPermitted(
            f"credential {caller.key} (scopes: {scopes}) does not grant the access this needs: {access.value}"
        )
    return caller
