"""A local GOV.UK Notify API for tests: aiohttp over HTTPS (trustme) on 127.0.0.1.

Implements what the notify connector uses, with Notify's own rules: every request carries a JWT
(HS256, signed with the API key's secret, iss = service id, iat within 30 s), POST
/v2/notifications/email answers 201 with the documented body, GET /v2/template/{id} returns the
template. Failures can be injected: forced statuses in order, a seeded share of 429/500, and
addresses that Notify refuses with 400.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import jwt
import trustme
from aiohttp import web

SERVICE_ID = "5f1b1c4e-2b0a-4c5e-9a43-8a6d0e7f1a11"
SECRET = "0b7d9c58-6a1e-4e36-a7f2-3c2d8e4f5b66"
API_KEY = f"cohort_lrs_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "8c1a3f2e-7d4b-4e9a-b5c6-d7e8f9a0b1c2"
TOKEN_BOUND_SECONDS = 30
TRANSIENT_STATUSES = (429, 500)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class NotifyFailurePlan:
    forced_statuses: list[int] = field(default_factory=list)  # consumed first, one per send
    transient_rate: float = 0.0  # seeded share of sends answered 429 or 500
    seed: int = 0
    invalid_addresses: set[str] = field(default_factory=set)  # answered 400 ValidationError

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def next_status(self) -> int | None:
        if self.forced_statuses:
            return self.forced_statuses.pop(0)
        if self.transient_rate and self._random.random() < self.transient_rate:
            return self._random.choice(TRANSIENT_STATUSES)
        return None


def _error(status: int, error: str, message: str) -> web.Response:
    body = {"status_code": status, "errors": [{"error": error, "message": message}]}
    return web.json_response(body, status=status)


_INJECTED = {
    429: ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"),
    500: ("Exception", "Internal server error"),
    400: ("BadRequestError", "Can't send to this recipient using a team-only API key"),
    403: ("AuthError", "Invalid token: API key not found"),
}


class FakeNotifyServer:
    """`async with FakeNotifyServer(ca) as notify:`; `notify.settings_table()` configures the channel."""

    def __init__(
        self,
        ca: trustme.CA,
        ca_file: Path,
        *,
        failures: NotifyFailurePlan | None = None,
        template: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.failures = failures or NotifyFailurePlan()
        self.ca_file = ca_file
        self.notifications: list[dict[str, Any]] = []  # accepted requests, with the id we gave them
        self.requests_seen = 0
        self.auth_failures: list[str] = []
        self.template = template or {
            "id": TEMPLATE_ID,
            "name": "cohort-lrs notification",
            "type": "email",
            "subject": "((subject))",
            "body": "((body))",
            "version": 3,
            "created_at": "2025-01-06T10:00:00.000000Z",
            "updated_at": None,
            "created_by": "lead@council.example.gov.uk",
        }
        self._clock = clock
        self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(self._ssl)
        self._runner: web.AppRunner | None = None
        self._sockets: set[Any] = set()
        self.base_url = ""

    def settings_table(self, **overrides: Any) -> dict[str, Any]:
        table: dict[str, Any] = {
            "api_key": API_KEY,
            "template_id": TEMPLATE_ID,
            "base_url": self.base_url,
            "ca_file": str(self.ca_file),
            "timeout_seconds": 5,
        }
        table.update(overrides)
        return table

    async def __aenter__(self) -> FakeNotifyServer:
        app = web.Application(middlewares=[self._track_socket])
        app.router.add_post("/v2/notifications/email", self._send_email)
        app.router.add_get("/v2/template/{template_id}", self._get_template)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"https://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self._wait_for_sockets_to_close()

    async def _wait_for_sockets_to_close(self, limit_seconds: float = 2.0) -> None:
        """cleanup() only starts each TLS close_notify exchange; let them finish while the loop runs,
        or the sockets outlive the test's event loop (ResourceWarning)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_seconds
        while any(sock.fileno() != -1 for sock in self._sockets) and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    @web.middleware
    async def _track_socket(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.transport is not None:
            self._sockets.add(request.transport.get_extra_info("socket"))
        return await handler(request)

    def _authorisation_problem(self, request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return "Unauthorized: authentication token must be provided"
        try:
            claims = jwt.decode(token, key=SECRET, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidTokenError:
            return "Invalid token: signature, api token not found"
        if claims.get("iss") != SERVICE_ID:
            return "Invalid token: service not found"
        issued_at = claims.get("iat")
        if not isinstance(issued_at, int) or abs(self._clock() - issued_at) > TOKEN_BOUND_SECONDS:
            return "Error: Your system clock must be accurate to within 30 seconds"
        return None

    async def _get_template(self, request: web.Request) -> web.Response:
        problem = self._authorisation_problem(request)
        if problem:
            self.auth_failures.append(problem)
            return _error(403, "AuthError", problem)
        if request.match_info["template_id"] != self.template["id"]:
            return _error(404, "NoResultFound", "No result found")
        return web.json_response(self.template)

    async def _send_email(self, request: web.Request) -> web.Response:
        self.requests_seen += 1
        problem = self._authorisation_problem(request)
        if problem:
            self.auth_failures.append(problem)
            return _error(403, "AuthError", problem)
        payload = await request.json()
        injected = self.failures.next_status()
        if injected is not None:
            return _error(injected, *_INJECTED[injected])
        address = str(payload.get("email_address", ""))
        if "@" not in address or address.lower() in self.failures.invalid_addresses:
            return _error(400, "ValidationError", "email_address Not a valid email address")
        if payload.get("template_id") != self.template["id"]:
            return _error(400, "BadRequestError", "Template not found")
        personalisation = payload.get("personalisation") or {}
        missing = [key for key in ("subject", "body") if key not in personalisation]
        if missing:
            return _error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        return web.json_response(self._accept(request, payload, personalisation), status=201)

    def _accept(self, request: web.Request, payload: dict[str, Any], personalisation: dict[str, Any]) -> Any:
        notification_id = str(uuid.uuid4())
        self.notifications.append({**payload, "id": notification_id})
        return {
            "id": notification_id,
            "reference": payload.get("reference"),
            "content": {
                "subject": personalisation["subject"],
                "body": personalisation["body"],
                "from_email": "digital.leadership@notifications.service.gov.uk",
                "one_click_unsubscribe_url": payload.get("one_click_unsubscribe_url"),
            },
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {
                "id": self.template["id"],
                "version": self.template["version"],
                "uri": f"{self.base_url}/v2/template/{self.template['id']}",
            },
            "scheduled_for": None,
        }
