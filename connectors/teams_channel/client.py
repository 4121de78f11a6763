"""Posting to a Workflows webhook ("When a Teams webhook request is received"): 202 and a run id."""

from __future__ import annotations

import random
from typing import Any

from connectors.graph.client import new_session
from connectors.graph.ratelimit import TokenBucket
from connectors.graph.secret import Secret
from connectors.graph.transport import HttpTransport
from connectors.teams.cards import card_message
from connectors.teams_channel.settings import TeamsChannelSettings

REDACTED_URL = "<workflow webhook>"


class WorkflowWebhookClient:
    def __init__(self, settings: TeamsChannelSettings, *, rng: random.Random | None = None) -> None:
        self.settings = settings
        self._rng = rng
        self._transport: HttpTransport | None = None

    def __repr__(self) -> str:
        return f"WorkflowWebhookClient({REDACTED_URL})"

    def _http(self) -> HttpTransport:
        if self._transport is None:
            settings = self.settings
            self._transport = HttpTransport(
                new_session(settings.ca_bundle, settings.timeout_seconds),
                settings.retry,
                limiter=TokenBucket(settings.requests_per_second, settings.burst),
                describe_url=lambda _url: REDACTED_URL,
                rng=self._rng,
            )
        return self._transport

    async def post_card(self, webhook: Secret, card: dict[str, Any], summary: str, tracking_id: str) -> str:
        """Returns the workflow run id (x-ms-workflow-run-id), or the tracking id when none came back."""
        reply = await self._http().request(
            "POST",
            webhook.reveal(),
            json=card_message(card, summary),
            headers={"x-ms-client-tracking-id": tracking_id},
        )
        return str(reply.headers.get("x-ms-workflow-run-id") or tracking_id)

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.session.close()
            self._transport = None
