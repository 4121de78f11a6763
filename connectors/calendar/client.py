"""Graph calendar calls for one organiser: create, find by invite uid, update, cancel, read responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from connectors.base import InviteResponse
from connectors.calendar.events import UID_PROPERTY_ID
from connectors.graph.client import GraphClient

_NEVER = "0001-01-01"  # Graph's "no response yet" timestamp


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or value.startswith(_NEVER):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def invite_responses(event_id: str, event: dict[str, Any]) -> list[InviteResponse]:
    responses = []
    for attendee in event.get("attendees", []):
        status = attendee.get("status") or {}
        responses.append(
            InviteResponse(
                event_id=event_id,
                email=str(attendee.get("emailAddress", {}).get("address", "")),
                response=str(status.get("response", "none")),
                responded_at=_parse_time(status.get("time")),
            )
        )
    return responses


def stored_uid(event: dict[str, Any]) -> str | None:
    """The invite uid an event carries in our extended property (None: not one of ours)."""
    for prop in event.get("singleValueExtendedProperties") or []:
        if isinstance(prop, dict) and prop.get("id") == UID_PROPERTY_ID:
            return str(prop.get("value"))
    return None


class CalendarClient:
    def __init__(self, graph: GraphClient, organizer: str) -> None:
        self.graph = graph
        self.events_path = f"/users/{quote(organizer, safe='@')}/events"

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = await self.graph.request("POST", self.events_path, json=body)
        return reply.body if isinstance(reply.body, dict) else {}

    async def find_by_uid(self, uid: str) -> str | None:
        """The event whose stored uid property is `uid`: every hit is checked, not taken on trust."""
        match = f"ep/id eq {_literal(UID_PROPERTY_ID)} and ep/value eq {_literal(uid)}"
        params = {
            "$filter": f"singleValueExtendedProperties/Any(ep: {match})",
            "$select": "id",
            "$expand": f"singleValueExtendedProperties($filter=id eq {_literal(UID_PROPERTY_ID)})",
        }
        async for event in self.graph.iterate_pages(self.events_path, params):
            if stored_uid(event) == uid:
                return str(event["id"])
        return None

    async def update(self, event_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        reply = await self.graph.request(
            "PATCH", f"{self.events_path}/{quote(event_id, safe='')}", json=fields
        )
        return reply.body if isinstance(reply.body, dict) else {}

    async def cancel(self, event_id: str, comment: str) -> None:
        await self.graph.request(
            "POST", f"{self.events_path}/{quote(event_id, safe='')}/cancel", json={"comment": comment}
        )

    async def get(self, event_id: str) -> dict[str, Any]:
        return await self.graph.get_json(f"{self.events_path}/{quote(event_id, safe='')}")

    async def responses(self, event_id: str) -> list[InviteResponse]:
        """Each attendee's answer: accepted / declined / tentativelyAccepted / none."""
        event = await self.graph.get_json(
            f"{self.events_path}/{quote(event_id, safe='')}", {"$select": "attendees"}
        )
        return invite_responses(event_id, event)


async def fetch_invite_responses(graph: GraphClient, organizer: str, event_id: str) -> list[InviteResponse]:
    return await CalendarClient(graph, organizer).responses(event_id)
