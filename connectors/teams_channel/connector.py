"""The "teams_channel" channel: one Adaptive Card per message into the cohort's channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import CheckResult, DeliveryResult, RenderedMessage, SuppressionList
from connectors.graph.delivered import DeliveredKeys
from connectors.graph.errors import ConnectorError, delivery_result_for
from connectors.teams.cards import adaptive_card_for
from connectors.teams_channel.client import WorkflowWebhookClient
from connectors.teams_channel.settings import TeamsChannelSettings


class TeamsChannelConnector:
    """Posts to a channel, not a person: the recipient and the suppression list do not apply."""

    channel = "teams_channel"

    def __init__(self, settings: TeamsChannelSettings) -> None:
        self.settings = settings
        self.client = WorkflowWebhookClient(settings)
        self.delivered = DeliveredKeys()

    def __repr__(self) -> str:
        return "TeamsChannelConnector(<workflow webhook>)"

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        known = self.delivered.get(message.idempotency_key)
        if known is not None:
            return DeliveryResult.delivered(known, "already delivered")
        try:
            run_id = await self.client.post_card(
                adaptive_card_for(message), message.subject, message.idempotency_key
            )
        except ConnectorError as err:
            return delivery_result_for(err)
        self.delivered.add(message.idempotency_key, run_id)
        return DeliveryResult.delivered(run_id)

    async def check(self) -> CheckResult:
        # Any request to the trigger starts a flow run that posts to the channel, so none is made here.
        return CheckResult(self.channel, True, "webhook URL configured (not called: a call would post)")

    async def close(self) -> None:
        await self.client.close()


def create_connector(
    config: Mapping[str, Any], *, suppression: SuppressionList | None = None
) -> TeamsChannelConnector:
    del suppression  # a channel post has no personal address to suppress
    return TeamsChannelConnector(TeamsChannelSettings.from_mapping(config))
