"""The SMTP session (aiosmtplib), with its errors translated into three domain outcomes where they enter.

One connection is kept open and reused; it is dropped after any failure (a 421 means the server is
closing it anyway) and opened again for the next message.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable
from email.message import EmailMessage
from typing import TypeVar

import aiosmtplib

from connectors.email.settings import EmailSettings


class SmtpError(Exception):
    """Base of the errors the SMTP client raises; `str()` is safe to log (no credentials)."""


class SmtpTransientError(SmtpError):
    """Try again later: 4xx replies, refused connections, timeouts, dropped sessions."""


class SmtpPermanentError(SmtpError):
    """Will not succeed as sent: 5xx replies other than a refused recipient, bad credentials."""


class SmtpRecipientRejected(SmtpPermanentError):
    """The server refused the recipient address itself (5xx at RCPT)."""

    def __init__(self, address: str, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}".strip())
        self.address = address
        self.code = code


Result = TypeVar("Result")


def is_transient_code(code: int) -> bool:
    return 400 <= code < 500


async def _translated(operation: Awaitable[Result]) -> Result:
    """Await an aiosmtplib call, turning its exceptions into this module's three outcomes."""
    try:
        return await operation
    except aiosmtplib.SMTPRecipientsRefused as err:
        raise _refused(err.recipients[0]) from err
    except aiosmtplib.SMTPRecipientRefused as err:
        raise _refused(err) from err
    except aiosmtplib.SMTPResponseException as err:
        kind = SmtpTransientError if is_transient_code(err.code) else SmtpPermanentError
        raise kind(f"{err.code} {err.message}") from err
    except aiosmtplib.SMTPNotSupported as err:
        raise SmtpPermanentError(f"server lacks a required extension: {err}") from err
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as err:
        raise SmtpTransientError(f"{type(err).__name__}: {err}") from err


def _refused(err: aiosmtplib.SMTPRecipientRefused) -> SmtpError:
    if is_transient_code(err.code):
        return SmtpTransientError(f"{err.code} {err.message}")
    return SmtpRecipientRejected(err.recipient, err.code, err.message)


class SmtpClient:
    def __init__(self, settings: EmailSettings) -> None:
        self._settings = settings
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> str:
        """Deliver one message to one recipient; returns the server's final reply text."""
        async with self._lock:
            try:
                smtp = await self._connected()
                _, reply = await _translated(
                    smtp.send_message(message, sender=sender, recipients=[recipient])
                )
            except BaseException:
                # Whatever state the session is in now (421, timeout, cancellation) is not worth reusing.
                await self._drop_connection()
                raise
            return reply

    async def check(self) -> str:
        """Open a fresh session (TLS + AUTH as configured), then NOOP; returns the NOOP reply."""
        async with self._lock:
            await self._drop_connection()
            try:
                smtp = await self._connected()
                response = await _translated(smtp.noop())
            finally:
                await self._drop_connection()
            return f"{response.code} {response.message}"

    async def close(self) -> None:
        async with self._lock:
            await self._drop_connection(polite=True)

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        smtp = aiosmtplib.SMTP(
            hostname=self._settings.host,
            port=self._settings.port,
            use_tls=self._settings.tls == "implicit",
            start_tls=self._settings.tls == "starttls",
            tls_context=self._tls_context(),
            timeout=self._settings.timeout_seconds,
            local_hostname=self._settings.local_hostname,
        )
        await _translated(smtp.connect())
        self._smtp = smtp
        if self._settings.username is not None and self._settings.password is not None:
            await _translated(smtp.login(self._settings.username, self._settings.password))
        return smtp

    def _tls_context(self) -> ssl.SSLContext | None:
        if self._settings.tls == "none":
            return None
        return ssl.create_default_context(cafile=self._settings.ca_file)

    async def _drop_connection(self, *, polite: bool = False) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            await _close_and_wait(smtp, polite=polite)


async def _close_and_wait(smtp: aiosmtplib.SMTP, *, polite: bool, limit_seconds: float = 1.0) -> None:
    """Close the session (after QUIT when `polite`) and give a TLS shutdown a moment to finish, so the
    socket is really released: closing a TLS transport only starts the close_notify exchange."""
    try:
        sock = smtp.get_transport_info("socket")
    except aiosmtplib.SMTPServerDisconnected:
        return
    if polite:
        # The server may have gone away first; then there is nothing left to close politely.
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await smtp.quit(timeout=limit_seconds)
    smtp.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_seconds
    # aiosmtplib exposes no "connection lost" event, so poll the socket it reported.
    while sock is not None and sock.fileno() != -1 and loop.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
