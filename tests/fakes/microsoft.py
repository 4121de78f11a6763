"""A local HTTPS server that speaks the Microsoft protocols the connectors use (trustme CA).

Identity (OIDC discovery, client-credentials tokens for secrets and certificate assertions),
Graph (users, activity feed, sendMail, calendar, online meetings, attendance, $batch), the Bot
Framework connector service and Workflows webhooks. Every Graph/Bot call needs a valid bearer
token; bodies are validated; every request is logged in `received`; faults are injected per path.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import pytest_asyncio
import trustme
from aiohttp import web
from cryptography.hazmat.primitives import hashes

from tests.fakes.ms_bot import BotService, Workflows
from tests.fakes.ms_calendar import Calendar
from tests.fakes.ms_faults import FakeReply, FakeRequest, FaultInjector, Received, bad_request, graph_error
from tests.fakes.ms_graph import Directory, Mail, Teamwork
from tests.fakes.ms_identity import AppRegistration, Identity
from tests.fakes.ms_sign_in import UserSignIn

TENANT = "contoso-tenant-id"
BOT_TENANT = "botframework.com"
BOT_AUDIENCE = "https://api.botframework.com"
Handler = Callable[[FakeRequest], FakeReply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: str  # "none", "graph", "bot" or "sig"


@dataclass(frozen=True)
class AppCertificate:
    pem_path: Path  # private key + certificate, as certificate_path expects
    thumbprint: str  # SHA-1 hex


class FakeMicrosoft:
    def __init__(self, ca: trustme.CA, ca_path: Path, *, seed: int = 0) -> None:
        self.ca, self.ca_path = ca, ca_path
        self.base_url = ""
        self.faults = FaultInjector(seed)
        self.received: list[Received] = []
        self.directory = Directory()
        self.client_id, self.client_secret = str(uuid.uuid4()), "s3cret-" + uuid.uuid4().hex
        self.bot_app_id, self.bot_secret = str(uuid.uuid4()), "b0t-" + uuid.uuid4().hex
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"https://localhost:{port}"
        self._build_services()

    def _build_services(self) -> None:
        self.identity = Identity(self.base_url)
        self.identity.register(AppRegistration(TENANT, self.client_id, secret=self.client_secret))
        self.identity.register(AppRegistration(BOT_TENANT, self.bot_app_id, secret=self.bot_secret))
        self.user_sign_in = UserSignIn(self.identity)
        self.teamwork, self.mail = Teamwork(self.directory), Mail(self.directory)
        self.calendar = Calendar(self.directory, self.base_url)
        self.bot, self.workflows = BotService(TENANT), Workflows()
        self.routes = self._routes()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _routes(self) -> list[Route]:
        user, graph = r"/v1\.0/users/(?P<user>[^/?]+)", "graph"
        table: list[tuple[str, str, Handler, str]] = [
            (
                "GET",
                r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration",
                self.identity.openid_configuration,
                "none",
            ),
            ("GET", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/authorize", self.user_sign_in.authorize, "none"),
            ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", self._token, "none"),
            ("GET", r"/v1\.0/users", self.directory.list_users, graph),
            ("GET", user, self.directory.get_user, graph),
            ("POST", user + r"/teamwork/sendActivityNotification", self.teamwork.send_to_user, graph),
            ("GET", user + r"/teamwork/installedApps", self.teamwork.installed_apps, graph),
            (
                "POST",
                r"/v1\.0/teamwork/sendActivityNotificationToRecipients",
                self.teamwork.send_to_recipients,
                graph,
            ),
            ("POST", user + r"/sendMail", self.mail.send_mail, graph),
            ("POST", user + r"/events", self.calendar.create_event, graph),
            ("GET", user + r"/events", self.calendar.list_events, graph),
            ("GET", user + r"/events/(?P<event>[^/]+)", self.calendar.get_event, graph),
            ("PATCH", user + r"/events/(?P<event>[^/]+)", self.calendar.update_event, graph),
            ("POST", user + r"/events/(?P<event>[^/]+)/cancel", self.calendar.cancel_event, graph),
            ("GET", user + r"/onlineMeetings", self.calendar.find_meetings, graph),
            (
                "GET",
                user + r"/onlineMeetings/(?P<meeting>[^/]+)/attendanceReports",
                self.calendar.list_reports,
                graph,
            ),
            (
                "GET",
                user
                + r"/onlineMeetings/(?P<meeting>[^/]+)/attendanceReports/(?P<report>[^/]+)/attendanceRecords",
                self.calendar.list_records,
                graph,
            ),
            ("POST", r"/botapi/v3/conversations", self.bot.create_conversation, "bot"),
            (
                "POST",
                r"/botapi/v3/conversations/(?P<conversation>[^/]+)/activities",
                self.bot.send_activity,
                "bot",
            ),
            (
                "POST",
                r"/workflows/(?P<workflow>[^/]+)/triggers/manual/paths/invoke",
                self.workflows.invoke,
                "sig",
            ),
        ]
        return [Route(m, re.compile(p + "$"), h, a) for m, p, h, a in table]

    # -- configuration helpers for tests --------------------------------------------------------
    def add_user(self, mail: str, upn: str | None = None, display_name: str = "") -> str:
        return self.directory.add(mail, upn, display_name).id

    def add_certificate_app(self, directory: Path) -> tuple[str, AppCertificate]:
        """Registers another app whose credential is a certificate; returns its client id and key file."""
        client_id = str(uuid.uuid4())
        issued = self.ca.issue_cert(f"{client_id}.app.example", key_type=trustme.KeyType.RSA)
        pem_path = directory / f"{client_id}.pem"
        pem_path.write_bytes(issued.private_key_pem.bytes() + issued.cert_chain_pems[0].bytes())
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(issued.cert_chain_pems[0].bytes())
        self.identity.register(AppRegistration(TENANT, client_id, certificate=cert))
        return client_id, AppCertificate(pem_path, cert.fingerprint(hashes.SHA1()).hex().upper())

    def graph_config(self, **overrides: Any) -> dict[str, Any]:
        """A connector TOML table pointing at this server, with small retry delays."""
        config: dict[str, Any] = {
            "tenant_id": TENANT,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "authority_host": self.base_url,
            "graph_base_url": self.base_url,
            "ca_bundle": str(self.ca_path),
            "requests_per_second": 1000.0,
            "burst": 1000,
            "max_attempts": 6,
            "backoff_base_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "timeout_seconds": 10.0,
        }
        config.update(overrides)
        return config

    def _token(self, request: FakeRequest) -> FakeReply:
        form = request.body if isinstance(request.body, dict) else {}
        if form.get("grant_type") == "authorization_code":
            return self.user_sign_in.token(request, form)
        return self.identity.token(request)

    def ok(self, path_pattern: str, method: str = "POST") -> list[Received]:
        """Successful, non-envelope requests whose path matches."""
        pattern = re.compile(path_pattern)
        return [r for r in self.received if r.ok and r.method == method and pattern.search(r.path)]

    # -- request handling ----------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = _parse_body(raw, request.content_type)
        headers = {k.lower(): v for k, v in request.headers.items()}
        fake = FakeRequest(request.method, request.path, dict(request.query), headers, body)
        if request.path == "/v1.0/$batch" and request.method == "POST":
            reply = await self._dispatch(fake, in_batch=False, batch=True)
        else:
            reply = await self._dispatch(fake, in_batch=False)
        return _to_web(reply)

    async def _dispatch(self, request: FakeRequest, *, in_batch: bool, batch: bool = False) -> FakeReply:
        """A fault with a status answers instead of the handler; one without only delays the reply
        after the work is done (a slow or lost response: the client may give up and retry)."""
        fault = self.faults.pick(request.method, request.path)
        if fault is not None and fault.status is not None:
            await asyncio.sleep(fault.delay)
            reply = graph_error(fault.status, fault.code, "injected fault")
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = f"{fault.retry_after:g}"
        elif batch:
            reply = self._auth_failure(request, "graph") or await self._batch(request)
        else:
            reply = self._route(request)
        if reply.status < 400 and request.path.startswith("/v1.0"):
            reply.headers.setdefault("request-id", str(uuid.uuid4()))
        self.received.append(
            Received(
                request.method,
                request.path,
                request.query,
                request.headers,
                request.body,
                reply.status,
                in_batch,
                reply.body,
                dict(reply.headers),
            )
        )
        if fault is not None and fault.status is None:
            await asyncio.sleep(fault.delay)
        return reply

    def _route(self, request: FakeRequest) -> FakeReply:
        allowed = False
        for route in self.routes:
            match = route.pattern.match(request.path)
            if match is None:
                continue
            allowed = True
            if route.method == request.method:
                request.params = match.groupdict()
                return self._auth_failure(request, route.auth) or route.handler(request)
        return graph_error(
            405 if allowed else 404, "BadRequest", f"no route for {request.method} {request.path}"
        )

    def _auth_failure(self, request: FakeRequest, auth: str) -> FakeReply | None:
        if auth == "graph":
            return self.identity.check_bearer(
                request.headers, {self.base_url, "https://graph.microsoft.com"}, bot=False
            )
        if auth == "bot":
            return self.identity.check_bearer(request.headers, {BOT_AUDIENCE}, bot=True)
        return None

    async def _batch(self, request: FakeRequest) -> FakeReply:
        items = request.body.get("requests") if isinstance(request.body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= 20:
            return bad_request("a batch holds 1 to 20 requests")
        if len({str(item.get("id")) for item in items}) != len(items):
            return bad_request("batch request ids must be unique")
        responses = [await self._batch_item(item, request.headers) for item in items]
        return FakeReply(200, {"responses": responses})

    async def _batch_item(self, item: dict[str, Any], envelope_headers: Mapping[str, str]) -> dict[str, Any]:
        path, _, query = str(item.get("url", "")).partition("?")
        headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
        if "body" in item and headers.get("content-type") != "application/json":
            reply = bad_request("batch items with a body need Content-Type application/json")
        else:
            headers["authorization"] = envelope_headers.get("authorization", "")
            sub = FakeRequest(
                str(item.get("method")), "/v1.0" + path, dict(parse_qsl(query)), headers, item.get("body")
            )
            reply = await self._dispatch(sub, in_batch=True)
        return {"id": item.get("id"), "status": reply.status, "headers": reply.headers, "body": reply.body}


def _parse_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode()))
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _to_web(reply: FakeReply) -> web.Response:
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    return web.json_response(reply.body, status=reply.status, headers=reply.headers)


@pytest.fixture
def microsoft_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[trustme.CA, Path]:
    """A fresh CA; requests' environment CA overrides are removed so msal's verify= is what counts."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    ca = trustme.CA()
    ca_path = tmp_path / "microsoft-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return ca, ca_path


@pytest_asyncio.fixture
async def fake_microsoft(microsoft_ca: tuple[trustme.CA, Path]) -> AsyncIterator[FakeMicrosoft]:
    server = FakeMicrosoft(*microsoft_ca)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
