"""HTTP with retries: Retry-After honoured, jittered backoff otherwise, a rate limit, 401 -> new token.

One transport serves Graph, the Bot Framework service and Workflows webhooks. URLs that are
secrets are described by `describe_url`, so neither logs nor errors ever contain them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDict

from connectors.graph.errors import ConfigurationError, PermanentError, TransientError
from connectors.graph.ratelimit import TokenBucket
from connectors.graph.retry import TRANSIENT_STATUSES, RetryPolicy, parse_retry_after
from connectors.throttling import is_throttling, note_throttled

log = logging.getLogger(__name__)

TokenSource = Callable[[bool], Awaitable[str]]  # force_refresh -> bearer token


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: Mapping[str, str]
    body: Any  # parsed JSON, or text, or None for an empty body


def _error_code_and_message(body: Any) -> tuple[str, str]:
    """Graph: {"error": {"code", "message"}}; identity/bot: {"error": "...", "error_description"}."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("code", "")), str(error.get("message", ""))
        if isinstance(error, str):
            return error, str(body.get("error_description", body.get("message", "")))
    return "", str(body or "")[:200]


async def _read_body(response: aiohttp.ClientResponse) -> Any:
    raw = await response.read()
    if not raw:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        return await response.json(content_type=None)
    return raw.decode("utf-8", "replace")


class HttpTransport:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        policy: RetryPolicy,
        *,
        limiter: TokenBucket | None = None,
        tokens: TokenSource | None = None,
        describe_url: Callable[[str], str] = str,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.session = session
        self.policy = policy
        self._limiter = limiter
        self._tokens = tokens
        self._describe = describe_url
        self._rng = rng or random.Random()
        self._sleep = sleep

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> HttpReply:
        where = f"{method} {self._describe(url)}"
        force_refresh = False
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = await self._attempt(method, url, json, headers, params, force_refresh)
            except aiohttp.ClientConnectorCertificateError:
                raise ConfigurationError(
                    f"configuration error: TLS certificate verification failed for {where}; "
                    "check ca_bundle (or the proxy's CA)"
                ) from None
            except (aiohttp.ClientError, TimeoutError) as err:
                # The exception text may contain the URL: keep only its type.
                failure = TransientError(f"{where}: {type(err).__name__}", None)
            else:
                if is_throttling(reply.status, reply.headers):
                    note_throttled()
                if reply.status < 400:
                    return reply
                if reply.status == 401 and self._tokens is not None and not force_refresh:
                    force_refresh = True  # a token revoked or expired early: fetch a new one once
                    attempt -= 1
                    continue
                code, message = _error_code_and_message(reply.body)
                detail = f"{where}: HTTP {reply.status} {code} {message}".rstrip()
                if reply.status not in TRANSIENT_STATUSES:
                    raise PermanentError(detail, status=reply.status, code=code)
                failure = TransientError(detail, parse_retry_after(reply.headers.get("Retry-After")))
            await self._wait_or_give_up(failure, attempt)

    async def _wait_or_give_up(self, failure: TransientError, attempt: int) -> None:
        delay = self.policy.delay_for(attempt, failure.retry_after, self._rng)
        if attempt >= self.policy.max_attempts or delay > self.policy.max_retry_after:
            failure.retry_after = delay
            raise failure
        log.debug("%s; retrying in %.2fs (attempt %d)", failure, delay, attempt)
        await self._sleep(delay)

    async def _attempt(
        self,
        method: str,
        url: str,
        json: Any,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        force_refresh: bool,
    ) -> HttpReply:
        if self._limiter is not None:
            await self._limiter.acquire()
        all_headers = dict(headers or {})
        if self._tokens is not None:
            all_headers["Authorization"] = f"Bearer {await self._tokens(force_refresh)}"
        async with self.session.request(method, url, json=json, headers=all_headers, params=params) as resp:
            body = await _read_body(resp)
            return HttpReply(resp.status, CIMultiDict(resp.headers), body)
