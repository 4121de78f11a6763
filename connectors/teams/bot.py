"""Bot Framework proactive 1:1 messages: a bot token, a conversation per learner, an Adaptive Card."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

from connectors.graph.auth import TokenProvider, TokenRequest
from connectors.graph.client import new_session
from connectors.graph.ratelimit import TokenBucket
from connectors.graph.settings import GraphSettings
from connectors.graph.transport import HttpTransport
from connectors.teams.cards import card_message
from connectors.teams.settings import BotSettings


class BotClient:
    """Owns a session and a token provider for the bot's own identity (not the Graph app's)."""

    def __init__(self, bot: BotSettings, graph: GraphSettings, *, rng: random.Random | None = None) -> None:
        self.bot = bot
        self.tenant_id = graph.tenant_id
        self.service_url = bot.service_url.rstrip("/")
        self._graph = graph
        self._rng = rng
        self.tokens = TokenProvider(
            TokenRequest(
                authority=bot.authority,
                client_id=bot.app_id,
                credential=bot.credential,
                scope=bot.scope,
                ca_bundle=graph.ca_bundle,
                refresh_margin_seconds=graph.token_refresh_margin_seconds,
            )
        )
        self._conversations: dict[str, str] = {}  # Entra user id -> 1:1 conversation id
        self._transport: HttpTransport | None = None

    def _http(self) -> HttpTransport:
        if self._transport is None:
            settings = self._graph
            self._transport = HttpTransport(
                new_session(settings.ca_bundle, settings.timeout_seconds),
                settings.retry,
                limiter=TokenBucket(settings.requests_per_second, settings.burst),
                tokens=self.tokens.token,
                rng=self._rng,
            )
        return self._transport

    async def close(self) -> None:
        await self.tokens.close()
        if self._transport is not None:
            await self._transport.session.close()
            self._transport = None

    async def conversation_for(self, user_id: str) -> str:
        """The 1:1 conversation with a learner (Teams returns the same one every time; cached)."""
        if user_id not in self._conversations:
            body = {
                "bot": {"id": f"28:{self.bot.app_id}"},
                "members": [{"id": user_id, "aadObjectId": user_id}],
                "channelData": {"tenant": {"id": self.tenant_id}},
                "tenantId": self.tenant_id,
                "isGroup": False,
            }
            reply = await self._http().request("POST", f"{self.service_url}/v3/conversations", json=body)
            self._conversations[user_id] = str(reply.body["id"])
        return self._conversations[user_id]

    async def send_card(self, user_id: str, card: dict[str, Any], summary: str) -> str:
        """Posts the card into the learner's 1:1 chat; returns the activity id."""
        conversation = await self.conversation_for(user_id)
        url = f"{self.service_url}/v3/conversations/{quote(conversation, safe=':')}/activities"
        reply = await self._http().request("POST", url, json=card_message(card, summary))
        return str(reply.body["id"])
