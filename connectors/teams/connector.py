"""The "teams" channel: activity-feed nudges (one learner, or bulk) or proactive bot cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.base import CheckResult, DeliveryResult, RenderedMessage, SuppressionList
from connectors.graph.client import GraphClient, request_id_for
from connectors.graph.delivered import DeliveredKeys
from connectors.graph.errors import ConnectorError, PermanentError, delivery_result_for
from connectors.graph.users import UserDirectory
from connectors.teams.bot import BotClient
from connectors.teams.bulk import BulkSender
from connectors.teams.cards import adaptive_card_for
from connectors.teams.client import ActivityFeedClient, ActivityNotification, template_parameters
from connectors.teams.installed import NOT_INSTALLED, InstalledApps
from connectors.teams.settings import TeamsSettings


class TeamsConnector:
    channel = "teams"

    def __init__(
        self,
        settings: TeamsSettings,
        *,
        suppression: SuppressionList | None = None,
        graph: GraphClient | None = None,
    ) -> None:
        self.settings = settings
        self.graph = graph or GraphClient(settings.graph)
        self.users = UserDirectory(self.graph)
        self.feed = ActivityFeedClient(self.graph)
        self.bot = BotClient(settings.bot, settings.graph) if settings.bot is not None else None
        self.suppression = suppression
        self.delivered = DeliveredKeys()
        self.installed_apps = (
            InstalledApps(self.graph, settings.teams_app_id, settings.installed_apps_cache_seconds)
            if settings.teams_app_id and self.bot is None
            else None
        )

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        known = self.delivered.get(message.idempotency_key)
        if known is not None:
            return DeliveryResult.delivered(known, "already delivered")
        try:
            provider_id = await self._send(message)
        except ConnectorError as err:
            return delivery_result_for(err)
        self.delivered.add(message.idempotency_key, provider_id)
        return DeliveryResult.delivered(provider_id)

    async def send_many(self, messages: Sequence[RenderedMessage]) -> list[DeliveryResult]:
        """Bulk nudges: identical notifications go to up to 100 learners a call, the rest 20 per $batch."""
        if self.bot is not None:
            return [await self.send(message) for message in messages]
        return await BulkSender(self).send(messages)

    async def _send(self, message: RenderedMessage) -> str:
        await self.refuse_if_suppressed(message)
        user_id = message.recipient.entra_user_id or await self.users.user_id(message.recipient.email)
        if self.bot is not None:
            return await self.bot.send_card(user_id, adaptive_card_for(message), message.subject)
        notification = self.notification_for(message)
        for problem in (await self.app_problems({user_id: message.recipient.email})).values():
            raise problem
        return await self.feed.notify_user(user_id, notification, request_id_for(message.idempotency_key))

    async def app_problems(self, emails_by_user: Mapping[str, str]) -> dict[str, ConnectorError]:
        """Users who lack the Teams app (Graph would silently drop their notification), or whose
        installation could not be checked; empty when `teams_app_id` is not set."""
        if self.installed_apps is None:
            return {}
        errors: dict[str, ConnectorError] = {}
        for user_id, outcome in (await self.installed_apps.installed(emails_by_user)).items():
            if isinstance(outcome, ConnectorError):
                errors[user_id] = outcome
            elif not outcome:
                errors[user_id] = PermanentError(f"{NOT_INSTALLED} for {emails_by_user[user_id]}")
        return errors

    async def refuse_if_suppressed(self, message: RenderedMessage) -> None:
        email = message.recipient.email
        if self.suppression is not None and await self.suppression.is_suppressed(email):
            raise PermanentError(f"{email} is on the suppression list", address_invalid=True)

    def notification_for(self, message: RenderedMessage) -> ActivityNotification:
        web_url = message.deep_link or self.settings.default_web_url
        if not web_url:
            raise PermanentError(
                "an activity-feed nudge needs a deep link (message.deep_link or default_web_url)"
            )
        return ActivityNotification(
            topic=message.subject,
            web_url=web_url,
            activity_type=message.metadata.get("activity_type", self.settings.activity_type),
            preview=message.text,
            template_parameters=template_parameters(message.metadata, message.subject),
            teams_app_id=self.settings.teams_app_id,
        )

    async def check(self) -> CheckResult:
        try:
            await self.graph.get_json("/users", {"$top": "1", "$select": "id"})
            if self.bot is not None:
                await self.bot.tokens.token()
        except ConnectorError as err:
            return CheckResult(self.channel, False, str(err))
        mode = "bot" if self.bot is not None else "activity feed"
        if self.bot is None and not self.settings.teams_app_id:
            mode += "; teams_app_id not set, so learners without the Teams app cannot be detected"
        return CheckResult(self.channel, True, f"Graph reachable and authorised ({mode})")

    async def close(self) -> None:
        await self.graph.close()
        if self.bot is not None:
            await self.bot.close()


def create_connector(
    config: Mapping[str, Any], *, suppression: SuppressionList | None = None
) -> TeamsConnector:
    return TeamsConnector(TeamsSettings.from_mapping(config), suppression=suppression)
