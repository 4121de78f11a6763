from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

from icalendar import Calendar

from connectors.base import CalendarInvite, Recipient, RenderedMessage
from connectors.email.messages import build_email, message_id_for
from connectors.email.settings import EmailSettings

SENT_AT = datetime(2025, 5, 6, 9, 15, tzinfo=UTC)
LEARNER = Recipient("sam@partner.example.org", "Sam Learner")


def settings(**overrides: Any) -> EmailSettings:
    table = {
        "host": "smtp.example.gov.uk",
        "from_address": "noreply@council.example.gov.uk",
        "from_name": "Digital Leadership Programme",
        **overrides,
    }
    return EmailSettings.from_mapping(table)


def nudge(**changes: Any) -> RenderedMessage:
    fields: dict[str, Any] = {
        "idempotency_key": "nudge:cohort-7:sam:module-3",
        "recipient": LEARNER,
        "subject": "Module 3 is waiting for you",
        "text": "Hello Sam, module 3 is open.",
        "html": "<p>Hello Sam, <b>module 3</b> is open.</p>",
    }
    fields.update(changes)
    return RenderedMessage(**fields)


def round_trip(mime: EmailMessage) -> EmailMessage:
    """What a receiving MUA sees: the bytes on the wire, parsed again."""
    return message_from_bytes(mime.as_bytes(), policy=policy.default)


def test_message_id_is_a_stable_function_of_the_key() -> None:
    first = message_id_for("nudge:1", "council.example.gov.uk")
    assert first == message_id_for("nudge:1", "council.example.gov.uk")
    assert first != message_id_for("nudge:2", "council.example.gov.uk")
    assert first.startswith("<") and first.endswith("@council.example.gov.uk>")


def test_headers() -> None:
    received = round_trip(build_email(nudge(), settings(reply_to="team@example.gov.uk"), sent_at=SENT_AT))
    assert received["From"].addresses[0].display_name == "Digital Leadership Programme"
    assert received["From"].addresses[0].addr_spec == "noreply@council.example.gov.uk"
    assert received["To"].addresses[0].addr_spec == LEARNER.email
    assert received["Subject"] == "Module 3 is waiting for you"
    assert parsedate_to_datetime(received["Date"]) == SENT_AT
    assert received["Message-ID"] == message_id_for("nudge:cohort-7:sam:module-3", "council.example.gov.uk")
    assert received["Reply-To"] == "team@example.gov.uk"
    assert received["List-Unsubscribe"] is None and received["List-Unsubscribe-Post"] is None


def test_message_reply_to_beats_the_default() -> None:
    mime = build_email(
        nudge(reply_to="coach@example.gov.uk"), settings(reply_to="team@x.gov.uk"), sent_at=SENT_AT
    )
    assert mime["Reply-To"] == "coach@example.gov.uk"


def test_text_and_html_are_alternatives() -> None:
    received = round_trip(build_email(nudge(), settings(), sent_at=SENT_AT))
    assert received.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in received.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert received.get_body(("plain",)).get_content().strip() == "Hello Sam, module 3 is open."  # type: ignore[union-attr]


def test_text_only_message_is_a_single_part() -> None:
    received = round_trip(build_email(nudge(html=None), settings(), sent_at=SENT_AT))
    assert received.get_content_type() == "text/plain"


def test_unsubscribe_with_mailto_and_https_allows_one_click() -> None:
    message = nudge(unsubscribe_url="https://lrs.example.gov.uk/unsubscribe?t=abc")
    mime = build_email(message, settings(unsubscribe_mailto="unsubscribe@example.gov.uk"), sent_at=SENT_AT)
    received = round_trip(mime)
    assert received["List-Unsubscribe"] == (
        "<mailto:unsubscribe@example.gov.uk?subject=unsubscribe%20sam%40partner.example.org>, "
        "<https://lrs.example.gov.uk/unsubscribe?t=abc>"
    )
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mailto_only_unsubscribe_has_no_one_click() -> None:
    mime = build_email(nudge(), settings(unsubscribe_mailto="unsubscribe@example.gov.uk"), sent_at=SENT_AT)
    assert str(mime["List-Unsubscribe"]).startswith("<mailto:unsubscribe@example.gov.uk?")
    assert mime["List-Unsubscribe-Post"] is None


def test_plain_http_unsubscribe_is_listed_but_not_one_click() -> None:
    mime = build_email(nudge(unsubscribe_url="http://insecure.example/u"), settings(), sent_at=SENT_AT)
    assert mime["List-Unsubscribe"] == "<http://insecure.example/u>"
    assert mime["List-Unsubscribe-Post"] is None


def invite(**changes: Any) -> CalendarInvite:
    fields: dict[str, Any] = {
        "uid": "review-day-7@cohort-lrs",
        "sequence": 1,
        "title": "Review day",
        "description": "Cohort 7 review",
        "start": datetime(2025, 6, 3, 9, tzinfo=UTC),
        "end": datetime(2025, 6, 3, 12, tzinfo=UTC),
    }
    fields.update(changes)
    return CalendarInvite(**fields)


def calendar_parts(received: EmailMessage) -> list[EmailMessage]:
    return [p for p in received.walk() if p.get_content_type() in {"text/calendar", "application/ics"}]


def test_invitation_follows_rfc_6047() -> None:
    received = round_trip(build_email(nudge(invite=invite()), settings(), sent_at=SENT_AT))
    assert received.get_content_type() == "multipart/mixed"
    alternative, attachment = received.iter_parts()
    kinds = [part.get_content_type() for part in alternative.iter_parts()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    inline = list(alternative.iter_parts())[-1]
    assert inline.get_param("method") == "REQUEST" and inline.get_content_charset() == "utf-8"
    assert attachment.get_filename() == "invite.ics" and attachment.get_content_type() == "application/ics"
    inline_calendar = Calendar.from_ical(inline.get_content())
    attached_calendar = Calendar.from_ical(attachment.get_content())
    assert inline_calendar.to_ical() == attached_calendar.to_ical()
    (event,) = inline_calendar.walk("VEVENT")
    assert str(event["UID"]) == "review-day-7@cohort-lrs"
    assert str(event["ORGANIZER"]) == "mailto:noreply@council.example.gov.uk"


def test_cancellation_part_says_cancel() -> None:
    received = round_trip(build_email(nudge(invite=invite(cancelled=True)), settings(), sent_at=SENT_AT))
    assert {part.get_param("method") for part in calendar_parts(received)} == {"CANCEL"}


def test_attachment_can_be_switched_off() -> None:
    received = round_trip(build_email(nudge(invite=invite()), settings(attach_ics=False), sent_at=SENT_AT))
    assert received.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in calendar_parts(received)] == ["text/calendar"]
