"""CalendarInvite -> Graph event JSON (pure): Windows time zone names, local times, the uid property."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.base import CalendarInvite

# Outlook shows Windows zone names; Graph also accepts IANA names, which pass through unchanged.
WINDOWS_TIME_ZONES = {
    "Europe/London": "GMT Standard Time",
    "Europe/Belfast": "GMT Standard Time",
    "Europe/Dublin": "GMT Standard Time",
    "Etc/UTC": "UTC",
    "UTC": "UTC",
    "Europe/Paris": "Romance Standard Time",
    "Europe/Brussels": "Romance Standard Time",
    "Europe/Berlin": "W. Europe Standard Time",
    "America/New_York": "Eastern Standard Time",
}
# A named extended property carries the invite uid, so later updates find the event again.
UID_PROPERTY_ID = "String {8d8a1b56-3c3f-4f6a-9a55-6b1f0e0c2d41} Name cohortLrsInviteUid"
_TRANSACTION_NAMESPACE = uuid.UUID("2b0f7f3e-94a8-4a7e-8d6f-3e5b8e9c1a77")


def transaction_id_for(idempotency_key: str) -> str:
    """Graph's transactionId: a retried create with the same key returns the first event."""
    return str(uuid.uuid5(_TRANSACTION_NAMESPACE, idempotency_key))


def graph_time_zone(iana: str) -> str:
    return WINDOWS_TIME_ZONES.get(iana, iana)


def graph_date_time(moment: datetime, iana: str) -> dict[str, str]:
    """Local wall-clock time in the invite's zone, without an offset, as Graph's dateTimeTimeZone wants."""
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    local = moment.astimezone(ZoneInfo(iana)).replace(tzinfo=None)
    return {"dateTime": local.isoformat(timespec="seconds"), "timeZone": graph_time_zone(iana)}


def event_fields(invite: CalendarInvite, *, online_meeting: bool) -> dict[str, Any]:
    """Everything an update may change (PATCH body); `new_event` adds the create-only fields."""
    fields: dict[str, Any] = {
        "subject": invite.title,
        "body": {"contentType": "Text", "content": invite.description},
        "start": graph_date_time(invite.start, invite.timezone),
        "end": graph_date_time(invite.end, invite.timezone),
        "attendees": [
            {"emailAddress": {"address": a.email, "name": a.display_name or a.email}, "type": "required"}
            for a in invite.attendees
        ],
    }
    if invite.location:
        fields["location"] = {"displayName": invite.location}
    if online_meeting or invite.online_meeting:
        fields["isOnlineMeeting"] = True
        fields["onlineMeetingProvider"] = "teamsForBusiness"
    return fields


def new_event(invite: CalendarInvite, idempotency_key: str, *, online_meeting: bool) -> dict[str, Any]:
    body = event_fields(invite, online_meeting=online_meeting)
    body["transactionId"] = transaction_id_for(idempotency_key)
    body["singleValueExtendedProperties"] = [{"id": UID_PROPERTY_ID, "value": invite.uid}]
    body["allowNewTimeProposals"] = False
    return body
