"""Review-day invitations as iCalendar objects (RFC 5545) for iTIP over email (RFC 5546, RFC 6047).

Learners outside the tenant cannot receive a Graph calendar event, so they get the invitation by email:
METHOD:REQUEST for a new or updated meeting (same UID, higher SEQUENCE), METHOD:CANCEL on withdrawal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from connectors.base import CalendarInvite, Recipient

PRODUCT_ID = "-//cohort-lrs//review-day invitations//EN"


def itip_method(invite: CalendarInvite) -> str:
    """The iTIP method the invitation carries: CANCEL once withdrawn, REQUEST otherwise."""
    return "CANCEL" if invite.cancelled else "REQUEST"


def build_invitation(
    invite: CalendarInvite,
    *,
    recipient: Recipient,
    organizer_fallback: Recipient,
    stamped_at: datetime,
) -> bytes:
    """Serialise `invite` for `recipient` as an iCalendar object (CRLF line endings, UTF-8)."""
    if invite.start.tzinfo is None or invite.end.tzinfo is None:
        raise ValueError("invitation start and end must be timezone-aware")
    zone = ZoneInfo(invite.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", itip_method(invite))
    calendar.add_component(_event(invite, recipient, organizer_fallback, stamped_at, zone))
    # Bound the VTIMEZONE to the meeting so it carries the relevant rules, not decades of transitions.
    calendar.add_missing_timezones(
        first_date=date(invite.start.astimezone(zone).year - 1, 1, 1),
        last_date=date(invite.end.astimezone(zone).year + 2, 1, 1),
    )
    return bytes(calendar.to_ical())


def _event(
    invite: CalendarInvite,
    recipient: Recipient,
    organizer_fallback: Recipient,
    stamped_at: datetime,
    zone: ZoneInfo,
) -> Event:
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamped_at.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", invite.start.astimezone(zone))
    event.add("dtend", invite.end.astimezone(zone))
    event.add("summary", invite.title)
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = Recipient(invite.organizer_email, invite.organizer_name) if invite.organizer_email else None
    event.add("organizer", _organizer_address(organizer or organizer_fallback))
    for attendee in _attendees(invite.attendees, recipient):
        event.add("attendee", _attendee_address(attendee), encode=False)
    return event


def _attendees(listed: Iterable[Recipient], recipient: Recipient) -> list[Recipient]:
    """The listed attendees, making sure the person this copy goes to is one of them (RFC 6047 §2.3)."""
    attendees = list(listed)
    if all(a.email.lower() != recipient.email.lower() for a in attendees):
        attendees.append(recipient)
    return attendees


def _organizer_address(organizer: Recipient) -> vCalAddress:
    address = vCalAddress(f"mailto:{organizer.email}")
    if organizer.display_name:
        address.params["CN"] = organizer.display_name
    return address


def _attendee_address(attendee: Recipient) -> vCalAddress:
    address = vCalAddress(f"mailto:{attendee.email}")
    if attendee.display_name:
        address.params["CN"] = attendee.display_name
    address.params["CUTYPE"] = "INDIVIDUAL"
    address.params["ROLE"] = "REQ-PARTICIPANT"
    address.params["PARTSTAT"] = "NEEDS-ACTION"
    address.params["RSVP"] = "TRUE"
    return address
