"""Fake Bot Framework connector service (proactive 1:1) and Teams Workflows webhooks."""

from __future__ import annotations

import uuid
from typing import Any

from tests.fakes.ms_faults import FakeReply, FakeRequest
from tests.fakes.ms_graph import ADAPTIVE


def _bot_error(status: int, code: str, message: str) -> FakeReply:
    return FakeReply(status, {"error": {"code": code, "message": message}})


def card_problem(attachments: Any) -> str:
    if not isinstance(attachments, list) or not attachments:
        return "attachments are required"
    for attachment in attachments:
        if not isinstance(attachment, dict) or attachment.get("contentType") != ADAPTIVE:
            return f"attachment contentType must be {ADAPTIVE}"
        card = attachment.get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard" or not card.get("version"):
            return "attachment content must be an AdaptiveCard with a version"
        if not isinstance(card.get("body"), list):
            return "AdaptiveCard body must be a list"
    return ""


class BotService:
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.conversations: dict[str, str] = {}  # member id -> conversation id
        self.activities: dict[str, list[dict[str, Any]]] = {}

    def create_conversation(self, request: FakeRequest) -> FakeReply:
        body = request.body if isinstance(request.body, dict) else {}
        members = body.get("members")
        if not str(body.get("bot", {}).get("id", "")).startswith("28:"):
            return _bot_error(400, "BadArgument", "bot.id must be 28:<app id>")
        if not isinstance(members, list) or len(members) != 1 or not members[0].get("id"):
            return _bot_error(400, "BadArgument", "exactly one member is required for a 1:1 conversation")
        if body.get("channelData", {}).get("tenant", {}).get("id") != self.tenant_id:
            return _bot_error(400, "BadArgument", "channelData.tenant.id must be the tenant")
        member = str(members[0]["id"])
        conversation = self.conversations.setdefault(member, f"a:{uuid.uuid4().hex}")
        self.activities.setdefault(conversation, [])
        return FakeReply(201, {"id": conversation})

    def send_activity(self, request: FakeRequest) -> FakeReply:
        conversation = request.params["conversation"]
        if conversation not in self.activities:
            return _bot_error(404, "ConversationNotFound", "conversation not found")
        body = request.body if isinstance(request.body, dict) else {}
        problem = (
            "type must be message" if body.get("type") != "message" else card_problem(body.get("attachments"))
        )
        if problem:
            return _bot_error(400, "BadArgument", problem)
        activity_id = f"1:{uuid.uuid4().hex}"
        self.activities[conversation].append(dict(body, id=activity_id))
        return FakeReply(201, {"id": activity_id})


class Workflows:
    def __init__(self) -> None:
        self.signatures: dict[str, str] = {}  # workflow id -> sig

    def add(self, base_url: str) -> str:
        workflow, sig = uuid.uuid4().hex, uuid.uuid4().hex
        self.signatures[workflow] = sig
        return (
            f"{base_url}/workflows/{workflow}/triggers/manual/paths/invoke"
            f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}"
        )

    def invoke(self, request: FakeRequest) -> FakeReply:
        expected = self.signatures.get(request.params["workflow"])
        if expected is None or request.query.get("sig") != expected:
            return _bot_error(401, "DirectApiAuthorizationRequired", "The request must be authenticated.")
        body = request.body if isinstance(request.body, dict) else {}
        problem = (
            "type must be message" if body.get("type") != "message" else card_problem(body.get("attachments"))
        )
        if problem:
            return _bot_error(400, "InvalidRequestContent", problem)
        return FakeReply(202, headers={"x-ms-workflow-run-id": uuid.uuid4().hex})
