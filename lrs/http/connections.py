"""Connections that hold the server without using it: trickled headers, trickled bodies, floods.

- Headers: aiohttp closes a connection that has not sent a whole request head within its keep-alive
  timeout, armed from the moment the connection opens; `header_timeout_seconds` sets it.
- Bodies: `body_deadline_middleware` closes the connection of a request whose body has not fully
  arrived `body_timeout_seconds` after its head (a 408 is logged; the client gets the close).
- Floods: `GuardedAppRunner` refuses a client's connection past `max_connections_per_client` open
  at once, closing it on arrival. Trusted proxies (nginx, which enforces its own limits) are exempt,
  since every connection from them carries many clients.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_server import Server

from lrs.http.middleware_types import Handler

log = logging.getLogger(__name__)
BODY_TIMEOUT = web.AppKey("body_timeout_seconds", float)


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections_per_client: int
    exempt_clients: frozenset[str]  # addresses of trusted proxies


class ConnectionCounter:
    """Open connections per client address."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.open: Counter[str] = Counter()

    def admit(self, client: str) -> bool:
        if client in self.limits.exempt_clients:
            return True
        if self.open[client] >= self.limits.max_connections_per_client:
            return False
        self.open[client] += 1
        return True

    def release(self, client: str) -> None:
        if client in self.limits.exempt_clients:
            return
        self.open[client] -= 1
        if self.open[client] <= 0:
            del self.open[client]


class GuardedRequestHandler(RequestHandler):
    """aiohttp's connection handler, counted per client and closed on arrival past the cap."""

    def __init__(self, manager: Server, *, counter: ConnectionCounter, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._counter = counter
        self._client: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if peer else "-"
        if not self._counter.admit(client):
            log.warning("refused a connection: its client has %d open", self._counter.open[client])
            transport.close()
            return
        self._client = client
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._client is None:
            return
        self._counter.release(self._client)
        self._client = None
        super().connection_lost(exc)


class GuardedServer(Server):
    def __init__(self, *args: Any, counter: ConnectionCounter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counter = counter

    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, counter=self._counter, loop=self._loop, **self._kwargs)


class GuardedAppRunner(web.AppRunner):
    """An AppRunner whose server caps each client's open connections."""

    def __init__(self, app: web.Application, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.counter = ConnectionCounter(limits)

    async def _make_server(self) -> Server:
        server = await super()._make_server()
        guarded = GuardedServer(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            counter=self.counter,
            **server._kwargs,
        )
        return guarded


@web.middleware
async def body_deadline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.body_exists:
        return await handler(request)
    timeout = request.app[BODY_TIMEOUT]
    deadline = asyncio.get_running_loop().call_later(timeout, _close_if_unread, request, timeout)
    try:
        return await handler(request)
    finally:
        deadline.cancel()


def _close_if_unread(request: web.Request, timeout: float) -> None:
    if request.content.is_eof() or request.transport is None:
        return
    log.warning("408: the request body did not arrive within %s s; closing the connection", timeout)
    request.protocol.force_close()
    request.transport.close()
