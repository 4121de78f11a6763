"""The "email" channel: notifications and review-day invitations over SMTP."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any

from connectors.base import (
    CheckResult,
    Connector,
    DeliveryResult,
    MemorySuppressionList,
    RenderedMessage,
    SuppressionList,
)
from connectors.email.client import (
    SmtpClient,
    SmtpError,
    SmtpPermanentError,
    SmtpRecipientRejected,
    SmtpTransientError,
)
from connectors.email.messages import build_email, message_id_for
from connectors.email.settings import EmailSettings

CHANNEL = "email"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class EmailConnector:
    channel = CHANNEL

    def __init__(
        self,
        settings: EmailSettings,
        *,
        suppression: SuppressionList | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._settings = settings
        # Without a durable list, still never retry a bounced address within this process.
        self._suppression: SuppressionList = suppression or MemorySuppressionList()
        self._clock = clock
        self._client = SmtpClient(settings)

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        address = message.recipient.email
        if not _is_plausible_address(address):
            return DeliveryResult.failed(f"not an email address: {address!r}", address_invalid=True)
        if await self._suppression.is_suppressed(address):
            return DeliveryResult.failed(f"{address} is suppressed (earlier bounce)", address_invalid=True)
        try:
            mime = build_email(message, self._settings, sent_at=self._clock())
        except ValueError as err:  # e.g. an invitation with naive times: resending will not help
            return DeliveryResult.failed(f"message cannot be built: {err}")
        try:
            reply = await self._client.send(mime, sender=self._settings.from_address, recipient=address)
        except SmtpRecipientRejected as err:
            await self._suppression.suppress(address, f"smtp {err}")
            return DeliveryResult.failed(f"recipient refused: {err}", address_invalid=True)
        except SmtpPermanentError as err:
            return DeliveryResult.failed(f"smtp: {err}")
        except SmtpTransientError as err:
            return DeliveryResult.retry(self._settings.retry_after_seconds, f"smtp: {err}")
        message_id = message_id_for(message.idempotency_key, self._settings.message_id_domain)
        return DeliveryResult.delivered(message_id, detail=reply)

    async def check(self) -> CheckResult:
        target = f"{self._settings.host}:{self._settings.port} ({self._settings.tls})"
        try:
            reply = await self._client.check()
        except SmtpError as err:
            return CheckResult(CHANNEL, ok=False, detail=f"{target}: {err}")
        auth = f"authenticated as {self._settings.username}" if self._settings.username else "no auth"
        return CheckResult(CHANNEL, ok=True, detail=f"{target}, {auth}, NOOP {reply}")

    async def close(self) -> None:
        await self._client.close()


def _is_plausible_address(address: str) -> bool:
    try:
        parsed = Address(addr_spec=address)
    except (HeaderParseError, ValueError, IndexError):
        return False
    return bool(parsed.username and parsed.domain)


def create_connector(config: Mapping[str, Any], *, suppression: SuppressionList | None = None) -> Connector:
    return EmailConnector(EmailSettings.from_mapping(config), suppression=suppression)
