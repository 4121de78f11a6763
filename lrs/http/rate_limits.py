"""Per-credential rate limits on the xAPI, with separate budgets for ingest (POST, PUT, DELETE) and
reads (GET, HEAD): a token bucket per credential and kind, refilled continuously at the configured
rate per minute, holding up to one minute's worth. Over the limit: 429 with Retry-After (seconds).

Buckets live in each server process (`lrs serve --processes N` gives each process its own). A limit
of 0 turns that kind off. The clock is a parameter (`time.monotonic` in the server).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from lrs.http.context import CALLER, SETTINGS
from lrs.http.middleware_types import Handler

READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """Token buckets keyed by (credential id, kind)."""

    per_minute: dict[str, int]  # kind ("ingest" | "read") -> requests per minute; 0 = unlimited
    clock: Callable[[], float] = time.monotonic
    buckets: dict[tuple[int, str], Bucket] = field(default_factory=dict)

    def retry_after(self, credential_id: int, kind: str) -> float:
        """0 when the request may go ahead (and is counted); else seconds until it may."""
        rate = self.per_minute.get(kind, 0)
        if rate <= 0:
            return 0.0
        now = self.clock()
        bucket = self.buckets.setdefault((credential_id, kind), Bucket(float(rate), now))
        bucket.tokens = min(float(rate), bucket.tokens + (now - bucket.updated) * rate / 60.0)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) * 60.0 / rate


RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)


def install_rate_limits(app: web.Application, clock: Callable[[], float] = time.monotonic) -> None:
    settings = app[SETTINGS]
    app[RATE_LIMITER] = RateLimiter(
        {"ingest": settings.rate_limit_ingest_per_minute, "read": settings.rate_limit_read_per_minute},
        clock=clock,
    )


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """After authentication: only identified callers are counted."""
    caller = request.get(CALLER)
    if caller is None:
        return await handler(request)
    kind = "read" if request.method in READ_METHODS else "ingest"
    wait = request.app[RATE_LIMITER].retry_after(caller.credential_id, kind)
    if wait <= 0:
        return await handler(request)
    seconds = max(1, math.ceil(wait))
    return web.json_response(
        {"error": True, "message": f"too many {kind} requests for this credential: retry in {seconds} s"},
        status=429,
        headers={"Retry-After": str(seconds)},
    )
