"""Fake Graph resources: users, Teams activity-feed notifications and sendMail, with body validation."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from tests.fakes.ms_faults import FakeReply, FakeRequest, bad_request, graph_error

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
_FILTER_LITERAL = re.compile(r"(?:mail|userPrincipalName) eq '((?:[^']|'')*)'")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FakeUser:
    id: str
    mail: str
    user_principal_name: str
    display_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mail": self.mail,
            "userPrincipalName": self.user_principal_name,
            "displayName": self.display_name,
        }


class Directory:
    def __init__(self) -> None:
        self.users: list[FakeUser] = []

    def add(self, mail: str, upn: str | None = None, display_name: str = "") -> FakeUser:
        user = FakeUser(str(uuid.uuid4()), mail, upn or mail, display_name or mail.split("@")[0])
        self.users.append(user)
        return user

    def find(self, id_or_upn: str) -> FakeUser | None:
        wanted = id_or_upn.lower()
        return next((u for u in self.users if wanted in (u.id, u.user_principal_name.lower())), None)

    def get_user(self, request: FakeRequest) -> FakeReply:
        user = self.find(request.params["user"])
        if user is None:
            return graph_error(404, "Request_ResourceNotFound", f"'{request.params['user']}' does not exist")
        return FakeReply(200, user.to_json())

    def list_users(self, request: FakeRequest) -> FakeReply:
        query = request.query.get("$filter")
        if query is None:
            return FakeReply(
                200, {"value": [u.to_json() for u in self.users[: int(request.query.get("$top", 100))]]}
            )
        literals = {m.replace("''", "'").lower() for m in _FILTER_LITERAL.findall(query)}
        if not literals:
            return bad_request(f"unsupported $filter: {query}")
        hits = [u for u in self.users if {u.mail.lower(), u.user_principal_name.lower()} & literals]
        return FakeReply(200, {"value": [u.to_json() for u in hits]})


def _topic_problem(topic: Any) -> str:
    if not isinstance(topic, dict) or topic.get("source") not in ("text", "entityUrl"):
        return "topic.source must be text or entityUrl"
    if not isinstance(topic.get("value"), str) or not topic["value"]:
        return "topic.value is required"
    if topic["source"] == "text" and not str(topic.get("webUrl", "")).startswith("https://"):
        return "topic.webUrl (https) is required when topic.source is text"
    return ""


def notification_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "JSON object expected"
    problem = _topic_problem(body.get("topic"))
    if problem:
        return problem
    if not isinstance(body.get("activityType"), str) or not body["activityType"]:
        return "activityType is required"
    preview = body.get("previewText")
    if not isinstance(preview, dict) or not isinstance(preview.get("content"), str):
        return "previewText.content is required"
    if len(preview["content"]) > 150:
        return "previewText.content is longer than 150 characters"
    params = body.get("templateParameters", [])
    if not isinstance(params, list) or not all(
        isinstance(p, dict) and {"name", "value"} <= p.keys() for p in params
    ):
        return "templateParameters must be a list of {name, value}"
    return ""


_APP_FILTER = re.compile(r"^teamsApp/(id|externalId) eq '((?:[^']|'')*)'$")


class Teamwork:
    """Every user has every Teams app unless listed in `without_app`; like Graph, the bulk endpoint
    answers 202 and silently drops recipients without the app (kept in `dropped` for tests)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.without_app: set[str] = set()  # user ids
        self.dropped: list[str] = []

    def installed_apps(self, request: FakeRequest) -> FakeReply:
        user = self.directory.find(request.params["user"])
        if user is None:
            return graph_error(404, "Request_ResourceNotFound", "user not found")
        wanted = _APP_FILTER.match(request.query.get("$filter", ""))
        if wanted is None or request.query.get("$expand") != "teamsApp":
            return bad_request("filter on teamsApp/id or teamsApp/externalId, with $expand=teamsApp")
        app_id = wanted.group(2).replace("''", "'")
        if user.id in self.without_app:
            return FakeReply(200, {"value": []})
        app = {"id": f"catalog-{app_id}", "externalId": app_id, "displayName": "Cohort"}
        return FakeReply(200, {"value": [{"id": f"install-{user.id}", "teamsApp": app}]})

    def send_to_user(self, request: FakeRequest) -> FakeReply:
        if self.directory.find(request.params["user"]) is None:
            return graph_error(404, "Request_ResourceNotFound", "user not found")
        problem = notification_problem(request.body)
        return bad_request(problem) if problem else FakeReply(204)

    def send_to_recipients(self, request: FakeRequest) -> FakeReply:
        problem = notification_problem(request.body)
        if problem:
            return bad_request(problem)
        recipients = request.body.get("recipients")
        if not isinstance(recipients, list) or not 1 <= len(recipients) <= 100:
            return bad_request("recipients must hold 1 to 100 entries")
        for recipient in recipients:
            if recipient.get("@odata.type") != "microsoft.graph.aadUserNotificationRecipient":
                return bad_request("recipients must be aadUserNotificationRecipient")
            if self.directory.find(str(recipient.get("userId", ""))) is None:
                return bad_request(f"unknown userId {recipient.get('userId')}")
        self.dropped += [r["userId"] for r in recipients if r["userId"] in self.without_app]
        return FakeReply(202)


def _mail_problem(message: Any) -> str:
    if not isinstance(message, dict) or not isinstance(message.get("subject"), str):
        return "message.subject is required"
    body = message.get("body")
    if not isinstance(body, dict) or body.get("contentType") not in ("Text", "HTML", "text", "html"):
        return "message.body.contentType must be Text or HTML"
    recipients = message.get("toRecipients")
    if not isinstance(recipients, list) or not recipients:
        return "message.toRecipients is required"
    return ""


class Mail:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def send_mail(self, request: FakeRequest) -> FakeReply:
        if self.directory.find(request.params["user"]) is None:
            return graph_error(404, "ErrorInvalidUser", "The requested user is invalid.")
        body = request.body if isinstance(request.body, dict) else {}
        problem = _mail_problem(body.get("message"))
        if problem:
            return bad_request(problem)
        for recipient in body["message"]["toRecipients"]:
            address = str(recipient.get("emailAddress", {}).get("address", ""))
            if not _EMAIL.match(address):
                return graph_error(400, "ErrorInvalidRecipients", f"invalid recipient {address!r}")
        return FakeReply(202)
