from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, vCalAddress

from connectors.base import CalendarInvite, Recipient
from connectors.email.calendar import build_invitation

LONDON = ZoneInfo("Europe/London")
LEARNER = Recipient("sam.learner@partner-council.example.org", "Sam Learner")
ORGANISER_FALLBACK = Recipient("noreply@council.example.gov.uk", "Programme team")
STAMP = datetime(2025, 5, 1, 8, 30, tzinfo=UTC)


def review_day(**changes: object) -> CalendarInvite:
    fields: dict[str, object] = {
        "uid": "review-day-cohort-7@cohort-lrs",
        "sequence": 3,
        "title": "Review day: cohort 7",
        "description": "Bring your portfolio, please.",
        "start": datetime(2025, 6, 3, 9, 30, tzinfo=UTC),  # 10:30 BST
        "end": datetime(2025, 6, 3, 15, 0, tzinfo=UTC),
        "location": "Committee Room 2, Town Hall",
        "organizer_email": "lead@council.example.gov.uk",
        "organizer_name": "Pat Lead",
    }
    fields.update(changes)
    return CalendarInvite(**fields)  # type: ignore[arg-type]


def parse(invite: CalendarInvite, recipient: Recipient = LEARNER) -> Calendar:
    ics = build_invitation(
        invite, recipient=recipient, organizer_fallback=ORGANISER_FALLBACK, stamped_at=STAMP
    )
    assert b"\r\n" in ics  # RFC 5545 content lines end with CRLF
    return Calendar.from_ical(ics)


def test_request_carries_itip_fields() -> None:
    calendar = parse(review_day())
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "review-day-cohort-7@cohort-lrs"
    assert event["SEQUENCE"] == 3
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Review day: cohort 7"
    assert str(event["LOCATION"]) == "Committee Room 2, Town Hall"
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["ORGANIZER"]) == "mailto:lead@council.example.gov.uk"
    assert event["ORGANIZER"].params["CN"] == "Pat Lead"


def test_attendee_is_asked_to_reply() -> None:
    (event,) = parse(review_day()).walk("VEVENT")
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{LEARNER.email}"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["CN"] == "Sam Learner"


def test_listed_attendees_are_kept_and_recipient_not_duplicated() -> None:
    other = Recipient("alex@council.example.gov.uk", "Alex")
    (event,) = parse(review_day(attendees=(other, LEARNER))).walk("VEVENT")
    attendees = cast(list[vCalAddress], event["ATTENDEE"])
    assert [str(a) for a in attendees] == [f"mailto:{other.email}", f"mailto:{LEARNER.email}"]


def test_times_are_london_local_with_tzid_and_a_matching_vtimezone() -> None:
    calendar = parse(review_day())
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTEND"].params["TZID"] == "Europe/London"
    start = event.decoded("DTSTART")
    assert start.replace(tzinfo=None) == datetime(2025, 6, 3, 10, 30)  # BST wall clock
    assert start == datetime(2025, 6, 3, 9, 30, tzinfo=UTC)
    assert event.decoded("DTEND") - start == timedelta(hours=5, minutes=30)
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/London"
    names = {str(part["TZNAME"]) for part in zone.walk() if part.name in {"STANDARD", "DAYLIGHT"}}
    assert {"GMT", "BST"} <= names


def test_winter_meeting_is_gmt() -> None:
    (event,) = parse(
        review_day(
            start=datetime(2025, 12, 2, 10, tzinfo=LONDON), end=datetime(2025, 12, 2, 12, tzinfo=LONDON)
        )
    ).walk("VEVENT")
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)


def test_cancellation_keeps_uid_and_uses_cancel() -> None:
    calendar = parse(review_day(sequence=4, cancelled=True))
    assert calendar["METHOD"] == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == "review-day-cohort-7@cohort-lrs" and event["SEQUENCE"] == 4
    assert str(event["ATTENDEE"]) == f"mailto:{LEARNER.email}"


def test_organizer_falls_back_to_the_sender() -> None:
    (event,) = parse(review_day(organizer_email="", organizer_name="")).walk("VEVENT")
    assert str(event["ORGANIZER"]) == f"mailto:{ORGANISER_FALLBACK.email}"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse(review_day(start=datetime(2025, 6, 3, 10)))
