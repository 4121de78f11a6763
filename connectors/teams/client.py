"""Graph activity-feed notifications: one learner, bulk (100 a call), or a $batch of singles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.graph.client import BatchRequest, GraphClient
from connectors.graph.transport import HttpReply

BULK_LIMIT = 100  # recipients per sendActivityNotificationToRecipients call
PREVIEW_LIMIT = 150  # Graph rejects a longer previewText


@dataclass(frozen=True)
class ActivityNotification:
    topic: str
    web_url: str  # a Teams deep link the notification opens
    activity_type: str
    preview: str
    template_parameters: tuple[tuple[str, str], ...] = ()
    teams_app_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "topic": {"source": "text", "value": self.topic, "webUrl": self.web_url},
            "activityType": self.activity_type,
            "previewText": {"content": self.preview[:PREVIEW_LIMIT]},
            "templateParameters": [
                {"name": name, "value": value} for name, value in self.template_parameters
            ],
        }
        if self.teams_app_id:
            body["teamsAppId"] = self.teams_app_id
        return body


def _provider_id(reply: HttpReply, request_id: str) -> str:
    """Graph answers 204/202 with no body: its request-id header identifies the notification request."""
    return str(reply.headers.get("request-id") or request_id)


def _single_path(user_id: str) -> str:
    return f"/users/{quote(user_id, safe='')}/teamwork/sendActivityNotification"


class ActivityFeedClient:
    def __init__(self, graph: GraphClient) -> None:
        self.graph = graph

    async def notify_user(self, user_id: str, notification: ActivityNotification, request_id: str) -> str:
        reply = await self.graph.request(
            "POST",
            _single_path(user_id),
            json=notification.to_json(),
            headers={"client-request-id": request_id},
        )
        return _provider_id(reply, request_id)

    async def notify_recipients(
        self, user_ids: Sequence[str], notification: ActivityNotification, request_id: str
    ) -> str:
        """Up to 100 learners in one call (the caller chunks)."""
        if not 1 <= len(user_ids) <= BULK_LIMIT:
            raise ValueError(f"1 to {BULK_LIMIT} recipients per bulk notification, got {len(user_ids)}")
        body = notification.to_json()
        body["recipients"] = [
            {"@odata.type": "microsoft.graph.aadUserNotificationRecipient", "userId": user_id}
            for user_id in user_ids
        ]
        reply = await self.graph.request(
            "POST",
            "/teamwork/sendActivityNotificationToRecipients",
            json=body,
            headers={"client-request-id": request_id},
        )
        return _provider_id(reply, request_id)

    async def notify_each(self, items: Sequence[tuple[str, ActivityNotification, str]]) -> list[HttpReply]:
        """Different notifications for different learners, 20 to a $batch call (throttled items retried)."""
        requests = [
            BatchRequest(
                "POST", _single_path(user_id), notification.to_json(), {"client-request-id": request_id}
            )
            for user_id, notification, request_id in items
        ]
        return await self.graph.batch(requests)


def batch_provider_id(reply: HttpReply, request_id: str) -> str:
    return _provider_id(reply, request_id)


def template_parameters(metadata: Mapping[str, str], subject: str) -> tuple[tuple[str, str], ...]:
    """`{nudge}` is the subject; metadata keys "template.<name>" add parameters the manifest text uses."""
    extra = sorted(
        (key.removeprefix("template."), value)
        for key, value in metadata.items()
        if key.startswith("template.")
    )
    return (("nudge", subject), *extra)
