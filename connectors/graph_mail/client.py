"""POST /users/{sender}/sendMail with a JSON message."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connectors.base import RenderedMessage
from connectors.graph.client import GraphClient

IDEMPOTENCY_HEADER = "X-Idempotency-Key"  # custom internet headers must start with x-


def _address(email: str, name: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {"address": email}
    if name:
        entry["name"] = name
    return {"emailAddress": entry}


def mail_body(message: RenderedMessage, save_to_sent_items: bool) -> dict[str, Any]:
    content_type, content = ("HTML", message.html) if message.html else ("Text", message.text)
    graph_message: dict[str, Any] = {
        "subject": message.subject,
        "body": {"contentType": content_type, "content": content},
        "toRecipients": [_address(message.recipient.email, message.recipient.display_name)],
        "internetMessageHeaders": [{"name": IDEMPOTENCY_HEADER, "value": message.idempotency_key}],
    }
    if message.reply_to:
        graph_message["replyTo"] = [_address(message.reply_to)]
    return {"message": graph_message, "saveToSentItems": save_to_sent_items}


class GraphMailClient:
    def __init__(self, graph: GraphClient, sender: str) -> None:
        self.graph = graph
        self.sender = sender

    async def send(self, body: dict[str, Any], request_id: str) -> str:
        """Graph answers 202 with no body; its request-id header identifies the submission."""
        reply = await self.graph.request(
            "POST",
            f"/users/{quote(self.sender, safe='@')}/sendMail",
            json=body,
            headers={"client-request-id": request_id},
        )
        return str(reply.headers.get("request-id") or request_id)
