"""The "calendar" channel: a message's CalendarInvite becomes a Graph event with a Teams meeting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import (
    CalendarInvite,
    CheckResult,
    DeliveryResult,
    InviteResponse,
    RenderedMessage,
    SuppressionList,
)
from connectors.calendar.client import CalendarClient
from connectors.calendar.events import event_fields, new_event
from connectors.calendar.settings import CalendarSettings
from connectors.graph.client import GraphClient
from connectors.graph.errors import ConnectorError, PermanentError, delivery_result_for


class CalendarConnector:
    channel = "calendar"

    def __init__(self, settings: CalendarSettings, *, graph: GraphClient | None = None) -> None:
        self.settings = settings
        self.graph = graph or GraphClient(settings.graph)
        self._clients: dict[str, CalendarClient] = {}
        self._event_ids: dict[
            str, str
        ] = {}  # invite uid -> Graph event id (found again by uid after restarts)

    def calendar_of(self, invite: CalendarInvite | None = None) -> CalendarClient:
        organizer = (invite.organizer_email if invite else "") or self.settings.organizer
        if organizer not in self._clients:
            self._clients[organizer] = CalendarClient(self.graph, organizer)
        return self._clients[organizer]

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        invite = message.invite
        if invite is None:
            return DeliveryResult.failed("the calendar channel needs a message with an invite")
        try:
            event_id = await self._apply(invite, message)
        except ConnectorError as err:
            return delivery_result_for(err)
        except ValueError as err:  # naive datetimes, unknown time zone
            return DeliveryResult.failed(f"invite {invite.uid}: {err}")
        return DeliveryResult.delivered(event_id, "cancelled" if invite.cancelled else "")

    async def _apply(self, invite: CalendarInvite, message: RenderedMessage) -> str:
        calendar = self.calendar_of(invite)
        event_id = self._event_ids.get(invite.uid) or await calendar.find_by_uid(invite.uid)
        if invite.cancelled:
            if event_id is None:
                raise PermanentError(f"no event to cancel for invite {invite.uid}")
            await calendar.cancel(event_id, message.text)
            self._event_ids.pop(invite.uid, None)
            return event_id
        if event_id is None:
            created = await calendar.create(
                new_event(invite, message.idempotency_key, online_meeting=self.settings.online_meetings)
            )
            event_id = str(created["id"])
        else:
            await calendar.update(
                event_id, event_fields(invite, online_meeting=self.settings.online_meetings)
            )
        self._event_ids[invite.uid] = event_id
        return event_id

    async def invite_responses(self, event_id: str, organizer: str | None = None) -> list[InviteResponse]:
        client = CalendarClient(self.graph, organizer) if organizer else self.calendar_of()
        return await client.responses(event_id)

    async def check(self) -> CheckResult:
        try:
            await self.graph.get_json(f"/users/{self.settings.organizer}", {"$select": "id"})
        except ConnectorError as err:
            return CheckResult(self.channel, False, str(err))
        return CheckResult(self.channel, True, f"Graph reachable; organiser {self.settings.organizer} exists")

    async def close(self) -> None:
        await self.graph.close()


def create_connector(
    config: Mapping[str, Any], *, suppression: SuppressionList | None = None
) -> CalendarConnector:
    del suppression  # invitations go to the cohort's attendees; Exchange handles their bounces
    return CalendarConnector(CalendarSettings.from_mapping(config))
