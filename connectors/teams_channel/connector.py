"""The "teams_channel" channel: one Adaptive Card per message into the cohort's channel.

The message names its channel in `metadata["teams_channel"]` (a name in
[connectors.teams_channel.channels]); without one it goes to the site's `webhook_url`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import CheckResult, DeliveryResult, RenderedMessage, SuppressionList
from connectors.graph.delivered import DeliveredKeys
from connectors.graph.errors import ConnectorError, delivery_result_for
from connectors.graph.secret import Secret
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
        webhook = self._webhook_for(message)
        if isinstance(webhook, str):
            return DeliveryResult.failed(webhook)
        try:
            run_id = await self.client.post_card(
                webhook, adaptive_card_for(message), message.subject, message.idempotency_key
            )
        except ConnectorError as err:
            return delivery_result_for(err)
        self.delivered.add(message.idempotency_key, run_id)
        return DeliveryResult.delivered(run_id)

    def _webhook_for(self, message: RenderedMessage) -> Secret | str:
        """The webhook of the channel the message names, or the site's; else why there is none."""
        name = message.metadata.get("teams_channel")
        where = message.metadata.get("teams_channel_source") or "teams_channel"
        if name:
            found = self.settings.channels.get(name)
            known = ", ".join(sorted(self.settings.channels)) or "none"
            return (
                found
                or f"{where}: no channel {name!r} in [connectors.teams_channel.channels] (known: {known})"
            )
        if self.settings.webhook_url is None:
            return (
                "no channel named for this message, and no site-wide [connectors.teams_channel] webhook_url"
            )
        return self.settings.webhook_url

    async def check(self) -> CheckResult:
        # Any request to the trigger starts a flow run that posts to the channel, so none is made here.
        names = f" and {len(self.settings.channels)} named channel(s)" if self.settings.channels else ""
        site = "the site's webhook URL" if self.settings.webhook_url else "no site-wide webhook URL"
        return CheckResult(self.channel, True, f"{site}{names} configured (not called: a call would post)")

    async def close(self) -> None:
        await self.client.close()


def create_connector(
    config: Mapping[str, Any], *, suppression: SuppressionList | None = None
) -> TeamsChannelConnector:
    del suppression  # a channel post has no personal address to suppress
    return TeamsChannelConnector(TeamsChannelSettings.from_mapping(config))
