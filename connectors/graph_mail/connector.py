"""The "graph_mail" channel: e-mail through Graph sendMail, with the suppression list honoured."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import CheckResult, DeliveryResult, RenderedMessage, SuppressionList
from connectors.graph.client import GraphClient, request_id_for
from connectors.graph.delivered import DeliveredKeys
from connectors.graph.errors import ConnectorError, PermanentError, delivery_result_for
from connectors.graph_mail.client import GraphMailClient, mail_body
from connectors.graph_mail.settings import GraphMailSettings

INVALID_RECIPIENT_CODES = frozenset({"ErrorInvalidRecipients", "ErrorInvalidSmtpAddress"})


class GraphMailConnector:
    channel = "graph_mail"

    def __init__(
        self,
        settings: GraphMailSettings,
        *,
        suppression: SuppressionList | None = None,
        graph: GraphClient | None = None,
    ) -> None:
        self.settings = settings
        self.graph = graph or GraphClient(settings.graph)
        self.client = GraphMailClient(self.graph, settings.sender)
        self.suppression = suppression
        self.delivered = DeliveredKeys()

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        known = self.delivered.get(message.idempotency_key)
        if known is not None:
            return DeliveryResult.delivered(known, "already delivered")
        email = message.recipient.email
        if self.suppression is not None and await self.suppression.is_suppressed(email):
            return DeliveryResult.failed(f"{email} is on the suppression list", address_invalid=True)
        body = mail_body(message, self.settings.save_to_sent_items)
        try:
            provider_id = await self.client.send(body, request_id_for(message.idempotency_key))
        except PermanentError as err:
            if err.code in INVALID_RECIPIENT_CODES:
                err.address_invalid = True
                if self.suppression is not None:
                    await self.suppression.suppress(email, str(err))
            return delivery_result_for(err)
        except ConnectorError as err:
            return delivery_result_for(err)
        self.delivered.add(message.idempotency_key, provider_id)
        return DeliveryResult.delivered(provider_id)

    async def check(self) -> CheckResult:
        try:
            await self.graph.get_json(f"/users/{self.settings.sender}", {"$select": "id"})
        except ConnectorError as err:
            return CheckResult(self.channel, False, str(err))
        return CheckResult(self.channel, True, f"Graph reachable; sender {self.settings.sender} exists")

    async def close(self) -> None:
        await self.graph.close()


def create_connector(
    config: Mapping[str, Any], *, suppression: SuppressionList | None = None
) -> GraphMailConnector:
    return GraphMailConnector(GraphMailSettings.from_mapping(config), suppression=suppression)
