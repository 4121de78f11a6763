"""The one place a rendered content becomes the `RenderedMessage` a connector sends: a learner's
message (notifications.sender) and a weekly message (notifications.weekly_send) alike, so the key,
the Teams activity line and the metadata are chosen the same way for both."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import CalendarInvite, Recipient, RenderedMessage
from lrs.storage.planned_message_models import PlannedMessage
from notifications.content import Content
from notifications.keys import delivery_key


def outgoing_message(
    row: PlannedMessage,
    channel: str,
    recipient: Recipient,
    content: Content,
    *,
    language: str,
    deep_link: str | None,
    invite: CalendarInvite | None = None,
    unsubscribe_url: str | None = None,
    routing: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """`content` for `channel`, under the channel's own delivery key (`KEY@channel`). Teams gets the
    short activity-feed line as its text when the template set has one. `routing` adds metadata a
    connector reads to choose where the message goes (a cohort update's `teams_channel`)."""
    text = content.activity_text if channel == "teams" and content.activity_text else content.text
    return RenderedMessage(
        idempotency_key=delivery_key(row.key, channel),
        recipient=recipient,
        subject=content.subject,
        text=text,
        html=content.html,
        deep_link=deep_link or None,
        card=content.card,
        invite=invite,
        unsubscribe_url=unsubscribe_url or None,
        metadata={**(routing or {}), "rule": row.rule, "category": row.category, "language": language},
    )
