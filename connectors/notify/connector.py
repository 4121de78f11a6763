"""The "notify" channel: notification emails through GOV.UK Notify.

The Notify template must be an email template with subject ((subject)) and body ((body)); the
rendered message fills both. The idempotency key travels as Notify's `reference`, so delivery
receipts (see callback.py) can be matched back to the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import (
    CheckResult,
    Connector,
    DeliveryResult,
    MemorySuppressionList,
    RenderedMessage,
    SuppressionList,
)
from connectors.notify.client import NotifyClient, NotifyError, NotifyRejected, NotifyTransientError
from connectors.notify.settings import NotifySettings

CHANNEL = "notify"
PLACEHOLDERS = {"subject": "((subject))", "body": "((body))"}


class NotifyConnector:
    channel = CHANNEL

    def __init__(self, settings: NotifySettings, *, suppression: SuppressionList | None = None) -> None:
        self._settings = settings
        # Without a durable list, still never retry a failed address within this process.
        self._suppression: SuppressionList = suppression or MemorySuppressionList()
        self._client = NotifyClient(settings)

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        address = message.recipient.email
        if message.invite is not None:
            return DeliveryResult.failed("Notify cannot carry calendar invitations; use the email channel")
        if await self._suppression.is_suppressed(address):
            return DeliveryResult.failed(f"{address} is suppressed (earlier failure)", address_invalid=True)
        unsubscribe = (
            message.unsubscribe_url if (message.unsubscribe_url or "").startswith("https://") else None
        )
        try:
            sent = await self._client.send_email(
                email_address=address,
                personalisation={"subject": message.subject, "body": message.text},
                reference=message.idempotency_key,
                one_click_unsubscribe_url=unsubscribe,
            )
        except NotifyTransientError as err:
            return DeliveryResult.retry(
                err.retry_after or self._settings.retry_after_seconds, f"notify: {err}"
            )
        except NotifyRejected as err:
            if err.address_invalid:
                await self._suppression.suppress(address, f"notify {err}")
            return DeliveryResult.failed(f"notify: {err}", address_invalid=err.address_invalid)
        return DeliveryResult.delivered(sent.notification_id, detail=f"reference {sent.reference}")

    async def check(self) -> CheckResult:
        where = f"{self._settings.base_url} template {self._settings.template_id}"
        try:
            template = await self._client.get_template()
        except NotifyError as err:
            return CheckResult(CHANNEL, ok=False, detail=f"{where}: {err}")
        problem = _template_problem(template)
        if problem:
            return CheckResult(CHANNEL, ok=False, detail=f"{where}: {problem}")
        return CheckResult(CHANNEL, ok=True, detail=f"{where} ({template.get('name', '?')!s}) is usable")

    async def close(self) -> None:
        await self._client.close()


def _template_problem(template: Mapping[str, Any]) -> str:
    if template.get("type") != "email":
        return f"template type is {template.get('type')!r}, expected 'email'"
    missing = [
        placeholder
        for field, placeholder in PLACEHOLDERS.items()
        if placeholder not in str(template.get(field) or "")
    ]
    return f"template lacks {', '.join(missing)}" if missing else ""


def create_connector(config: Mapping[str, Any], *, suppression: SuppressionList | None = None) -> Connector:
    return NotifyConnector(NotifySettings.from_mapping(config), suppression=suppression)
