"""Adaptive Cards for Teams: from the message's own card, or a plain one built from its text."""

from __future__ import annotations

from typing import Any

from connectors.base import RenderedMessage

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"  # the highest version Teams renders on every client


def adaptive_card_for(message: RenderedMessage) -> dict[str, Any]:
    if message.card is not None:
        return dict(message.card)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": message.text, "wrap": True},
    ]
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }
    if message.deep_link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": message.deep_link}]
    return card


def card_attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "content": card}


def card_message(card: dict[str, Any], summary: str = "") -> dict[str, Any]:
    """The message activity a bot or a Workflows webhook posts."""
    message: dict[str, Any] = {"type": "message", "attachments": [card_attachment(card)]}
    if summary:
        message["summary"] = summary
    return message
