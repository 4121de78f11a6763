"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 with STARTTLS or implicit TLS (trustme), AUTH,
message capture and injectable failures (421/451 transient, 550 for chosen recipients).

aiosmtpd's Controller runs the server on its own thread and event loop, so the code under test talks
to it over a real socket exactly as it would to a relay.
"""

from __future__ import annotations

import asyncio
import random
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TlsMode = Literal["starttls", "implicit", "none"]
TransientKind = Literal["421-at-mail", "451-at-rcpt", "451-at-data"]
TRANSIENT_KINDS: tuple[TransientKind, ...] = ("421-at-mail", "451-at-rcpt", "451-at-data")


@dataclass(frozen=True)
class CapturedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    authenticated_as: str | None

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class FailurePlan:
    """What the server refuses. `transient_rate` is the seeded share of transactions that fail with a
    4xx (421 at MAIL, closing the connection, or 451 at RCPT or DATA)."""

    permanent_recipients: set[str] = field(default_factory=set)
    transient_rate: float = 0.0
    seed: int = 0
    forced_transient: list[TransientKind] = field(default_factory=list)  # consumed first, in order

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def next_transient(self) -> TransientKind | None:
        if self.forced_transient:
            return self.forced_transient.pop(0)
        if self.transient_rate and self._random.random() < self.transient_rate:
            return self._random.choice(TRANSIENT_KINDS)
        return None


class _CapturingHandler:
    def __init__(self, server: FakeSmtpServer) -> None:
        self._server = server
        self._pending: dict[int, TransientKind] = {}  # id(session) -> failure planned for its transaction

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self._server.mail_transactions += 1
        if self._server.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        failure = self._server.failures.next_transient()
        if failure == "421-at-mail":
            self._server.transient_failures += 1
            # Reply first, then hang up, as a server shutting down does.
            asyncio.get_running_loop().call_soon(server.transport.close)  # type: ignore[union-attr]
            return "421 4.3.2 Service shutting down, try again later"
        if failure is not None:
            self._pending[id(session)] = failure
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in {a.lower() for a in self._server.failures.permanent_recipients}:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self._pending.get(id(session)) == "451-at-rcpt":
            del self._pending[id(session)]
            self._server.transient_failures += 1
            return "451 4.3.0 Temporary lookup failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._pending.pop(id(session), None) == "451-at-data":
            self._server.transient_failures += 1
            return "451 4.3.0 Local error in processing, try again later"
        if self._server.data_delay_seconds:
            # A slow relay: senders die mid-DATA. A sender that drops the connection now has the
            # handler cancelled, so its message is never accepted (as a relay discards it).
            peer = cast(tuple[str, int], session.peer)
            with self._server.lock:
                self._server.data_in_progress[peer] = time.monotonic()
            try:
                await asyncio.sleep(self._server.data_delay_seconds)
            finally:
                with self._server.lock:
                    self._server.data_in_progress.pop(peer, None)
        auth = session.auth_data
        captured = CapturedMessage(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(cast(bytes, envelope.original_content)),
            authenticated_as=auth.login.decode() if isinstance(auth, LoginPassword) else None,
        )
        with self._server.lock:
            self._server.messages.append(captured)
        return "250 2.0.0 Message accepted for delivery"

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self._pending.pop(id(session), None)
        return "250 OK"


class FakeSmtpServer:
    """Use as a context manager; `settings_table()` gives the matching [connectors.email] table."""

    def __init__(
        self,
        ca: trustme.CA,
        ca_file: Path,
        *,
        tls: TlsMode = "starttls",
        username: str | None = "lrs",
        password: str | None = "s3cret",
        failures: FailurePlan | None = None,
    ) -> None:
        self.tls = tls
        self.username = username
        self.password = password
        self.failures = failures or FailurePlan()
        self.messages: list[CapturedMessage] = []
        self.transient_failures = 0
        self.data_delay_seconds = 0.0  # how long DATA takes before the server accepts the message
        self.data_in_progress: dict[tuple[str, int], float] = {}  # peer -> when its DATA began (monotonic)
        self.mail_transactions = 0  # MAIL FROM commands seen, accepted or not
        self.lock = threading.Lock()
        self.ca_file = ca_file
        self.host = "127.0.0.1"
        self.port = _free_port(self.host)
        self._controller = self._build_controller(ca)

    def _build_controller(self, ca: trustme.CA) -> Controller:
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(self.host, "localhost").configure_cert(server_context)
        kwargs: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "server_hostname": "fake-smtp.test",
            "authenticator": self._authenticate,
        }
        if self.tls == "starttls":
            kwargs.update(tls_context=server_context, require_starttls=True)
        elif self.tls == "implicit":
            # aiosmtpd does not count implicit TLS as TLS for AUTH; the handler enforces AUTH instead.
            kwargs.update(ssl_context=server_context, auth_require_tls=False)
        else:
            kwargs.update(auth_require_tls=False)
        return Controller(_CapturingHandler(self), **kwargs)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.username is None or self.password is None:
            return AuthResult(success=False, handled=False)
        ok = auth_data.login.decode() == self.username and auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def settings_table(self, **overrides: Any) -> dict[str, Any]:
        table: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "tls": self.tls,
            "from_address": "noreply@council.example.gov.uk",
            "from_name": "Digital Leadership Programme",
            "ca_file": str(self.ca_file),
            "timeout_seconds": 5,
        }
        if self.username is not None:
            table.update(username=self.username, password=self.password)
        table.update(overrides)
        return table

    def captured(self) -> list[CapturedMessage]:
        with self.lock:
            return list(self.messages)

    def sending_from(self, ports: set[int], *, began_within: float) -> bool:
        """Whether a client on one of these local ports is in the middle of DATA, having begun it less
        than `began_within` seconds ago (so that the server is still some way from accepting it)."""
        now = time.monotonic()
        with self.lock:
            return any(
                port in ports and now - began < began_within
                for (_, port), began in self.data_in_progress.items()
            )

    def __enter__(self) -> FakeSmtpServer:
        self._controller.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._controller.stop()


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
