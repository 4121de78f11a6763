"""An aiohttp Microsoft Graph client: bearer tokens, throttling, paging and JSON batching ($batch)."""

from __future__ import annotations

import asyncio
import random
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDict

from connectors.graph.auth import TokenProvider, TokenRequest
from connectors.graph.ratelimit import TokenBucket
from connectors.graph.retry import TRANSIENT_STATUSES, parse_retry_after
from connectors.graph.settings import GraphSettings
from connectors.graph.transport import HttpReply, HttpTransport

BATCH_LIMIT = 20  # Graph's maximum number of requests in one $batch
_REQUEST_ID_NAMESPACE = uuid.UUID("6f1c1f0e-5d0b-4c55-9d55-1d1c0c7b2a10")


def request_id_for(idempotency_key: str) -> str:
    """The client-request-id Graph records for a message: stable across retries of the same key."""
    return str(uuid.uuid5(_REQUEST_ID_NAMESPACE, idempotency_key))


def ssl_context_for(ca_bundle: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()


def new_session(ca_bundle: str | None, timeout_seconds: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=ssl_context_for(ca_bundle), limit=50),
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
    )


@dataclass(frozen=True)
class BatchRequest:
    method: str
    url: str  # relative to the version root, e.g. "/users/a@b.org"
    body: Any = None
    headers: Mapping[str, str] | None = None


class GraphClient:
    """Owns its aiohttp session (created on first use, inside the running loop); call `close()`."""

    def __init__(
        self,
        settings: GraphSettings,
        *,
        tokens: TokenProvider | None = None,
        limiter: TokenBucket | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.tokens = tokens or TokenProvider(
            TokenRequest(
                authority=settings.authority,
                client_id=settings.client_id,
                credential=settings.credential,
                scope=settings.scope,
                ca_bundle=settings.ca_bundle,
                refresh_margin_seconds=settings.token_refresh_margin_seconds,
            )
        )
        self.limiter = limiter or TokenBucket(settings.requests_per_second, settings.burst)
        self.root = settings.graph_base_url.rstrip("/") + "/v1.0"
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._transport: HttpTransport | None = None

    def _http(self) -> HttpTransport:
        if self._transport is None:
            self._transport = HttpTransport(
                new_session(self.settings.ca_bundle, self.settings.timeout_seconds),
                self.settings.retry,
                limiter=self.limiter,
                tokens=self.tokens.token,
                rng=self._rng,
                sleep=self._sleep,
            )
        return self._transport

    async def close(self) -> None:
        await self.tokens.close()
        if self._transport is not None:
            await self._transport.session.close()
            self._transport = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpReply:
        url = path if path.startswith("https://") else self.root + path
        return await self._http().request(method, url, json=json, params=params, headers=headers)

    async def get_json(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        body = (await self.request("GET", path, params=params)).body
        return body if isinstance(body, dict) else {}

    async def iterate_pages(
        self, path: str, params: Mapping[str, str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a collection, following @odata.nextLink (which already carries the query)."""
        next_url: str | None = path
        page_params = params
        while next_url:
            page = await self.get_json(next_url, page_params)
            for item in page.get("value", []):
                yield item
            next_url = page.get("@odata.nextLink")
            page_params = None

    async def batch(self, requests: Sequence[BatchRequest]) -> list[HttpReply]:
        """Replies in request order; items throttled inside a batch are retried in later batches."""
        replies: dict[int, HttpReply] = {}
        pending = list(range(len(requests)))
        for attempt in range(1, self.settings.retry.max_attempts + 1):
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start : start + BATCH_LIMIT]
                replies.update(await self._send_batch({index: requests[index] for index in chunk}))
            pending = [index for index in pending if replies[index].status in TRANSIENT_STATUSES]
            if not pending or attempt == self.settings.retry.max_attempts:
                break
            await self._sleep(self._batch_delay([replies[index] for index in pending], attempt))
        return [replies[index] for index in range(len(requests))]

    def _batch_delay(self, throttled: Sequence[HttpReply], attempt: int) -> float:
        hints = [parse_retry_after(reply.headers.get("Retry-After")) for reply in throttled]
        known = [hint for hint in hints if hint is not None]
        if known:
            return min(max(known), self.settings.retry.max_retry_after)
        return self.settings.retry.backoff(attempt, self._rng)

    async def _send_batch(self, chunk: Mapping[int, BatchRequest]) -> dict[int, HttpReply]:
        items = []
        for index, item in chunk.items():
            entry: dict[str, Any] = {"id": str(index), "method": item.method, "url": item.url}
            headers = dict(item.headers or {})
            if item.body is not None:
                entry["body"] = item.body
                headers.setdefault("Content-Type", "application/json")
            if headers:
                entry["headers"] = headers
            items.append(entry)
        body = (await self.request("POST", "/$batch", json={"requests": items})).body
        replies = {}
        for response in body.get("responses", []) if isinstance(body, dict) else []:
            reply_headers = CIMultiDict({str(k): str(v) for k, v in (response.get("headers") or {}).items()})
            status = int(response["status"])
            replies[int(response["id"])] = HttpReply(status, reply_headers, response.get("body"))
        missing = set(chunk) - set(replies)
        for index in missing:  # a batch reply must answer every id; treat silence as unavailable
            replies[index] = HttpReply(503, {}, {"error": {"code": "MissingBatchResponse", "message": ""}})
        return replies
