from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trustme
from icalendar import Calendar

from connectors.base import (
    CalendarInvite,
    Connector,
    DeliveryStatus,
    MemorySuppressionList,
    Recipient,
    RenderedMessage,
)
from connectors.email.connector import EmailConnector, create_connector
from connectors.email.messages import message_id_for
from connectors.email.settings import EmailSettings
from tests.fakes.smtp import FailurePlan, FakeSmtpServer

SENT_AT = datetime(2025, 5, 6, 9, 15, tzinfo=UTC)
MESSAGE_ID_DOMAIN = "council.example.gov.uk"


def connector_for(
    server: FakeSmtpServer, suppression: MemorySuppressionList | None = None, **overrides: Any
) -> EmailConnector:
    settings = EmailSettings.from_mapping(server.settings_table(**overrides))
    return EmailConnector(settings, suppression=suppression, clock=lambda: SENT_AT)


def nudge(key: str = "nudge:1", to: str = "sam@partner.example.org", **changes: Any) -> RenderedMessage:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "recipient": Recipient(to, "Sam Learner"),
        "subject": "Module 3 is waiting",
        "text": "Hello Sam",
        "html": "<p>Hello Sam</p>",
        "unsubscribe_url": "https://lrs.example.gov.uk/u/abc",
    }
    fields.update(changes)
    return RenderedMessage(**fields)


def test_create_connector_satisfies_the_interface(smtp_server: FakeSmtpServer) -> None:
    connector = create_connector(smtp_server.settings_table())
    assert isinstance(connector, Connector) and connector.channel == "email"


async def test_delivers_over_starttls_with_auth(smtp_server: FakeSmtpServer) -> None:
    connector = connector_for(smtp_server)
    try:
        result = await connector.send(nudge())
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.DELIVERED
    assert result.provider_id == message_id_for("nudge:1", MESSAGE_ID_DOMAIN)
    (captured,) = smtp_server.captured()
    assert captured.authenticated_as == "lrs"
    assert captured.mail_from == "noreply@council.example.gov.uk"
    assert captured.rcpt_tos == ("sam@partner.example.org",)
    received = captured.parsed()
    assert received["Message-ID"] == result.provider_id
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["From"].addresses[0].display_name == "Digital Leadership Programme"
    assert received.get_body(("html",)).get_content().strip() == "<p>Hello Sam</p>"  # type: ignore[union-attr]


async def test_delivers_over_implicit_tls(ca: trustme.CA, ca_file: Path) -> None:
    with FakeSmtpServer(ca, ca_file, tls="implicit") as server:
        connector = connector_for(server)
        try:
            first = await connector.send(nudge("a"))
            second = await connector.send(nudge("b"))  # reuses the open session
        finally:
            await connector.close()
    assert first.status is second.status is DeliveryStatus.DELIVERED
    assert [c.authenticated_as for c in server.captured()] == ["lrs", "lrs"]


async def test_review_day_invitation_arrives_as_itip_request(smtp_server: FakeSmtpServer) -> None:
    invite = CalendarInvite(
        uid="review-day-7@cohort-lrs",
        sequence=2,
        title="Review day",
        description="Cohort 7",
        start=datetime(2025, 6, 3, 9, tzinfo=UTC),
        end=datetime(2025, 6, 3, 12, tzinfo=UTC),
        organizer_email="lead@council.example.gov.uk",
    )
    connector = connector_for(smtp_server)
    try:
        result = await connector.send(nudge(invite=invite))
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.DELIVERED
    received = smtp_server.captured()[0].parsed()
    (inline,) = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    assert inline.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(inline.get_content())
    (event,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and event["SEQUENCE"] == 2
    assert str(event["ATTENDEE"]) == "mailto:sam@partner.example.org"
    assert event["DTSTART"].params["TZID"] == "Europe/London"


async def test_refused_recipient_is_suppressed_and_never_contacted_again(
    ca: trustme.CA, ca_file: Path
) -> None:
    plan = FailurePlan(permanent_recipients={"gone@partner.example.org"})
    suppression = MemorySuppressionList()
    with FakeSmtpServer(ca, ca_file, failures=plan) as server:
        connector = connector_for(server, suppression)
        try:
            refused = await connector.send(nudge("a", to="gone@partner.example.org"))
            transactions = server.mail_transactions
            again = await connector.send(nudge("b", to="Gone@Partner.example.org"))
            others = await connector.send(nudge("c"))
        finally:
            await connector.close()
    assert refused.status is DeliveryStatus.PERMANENT_FAILURE and refused.address_invalid
    assert "550" in refused.detail
    assert await suppression.is_suppressed("gone@partner.example.org")
    assert again.status is DeliveryStatus.PERMANENT_FAILURE and again.address_invalid
    assert "suppressed" in again.detail
    assert server.mail_transactions == transactions + 1  # only the third message reached the server
    assert others.status is DeliveryStatus.DELIVERED


async def test_transient_replies_ask_for_a_retry_and_the_retry_succeeds(
    ca: trustme.CA, ca_file: Path
) -> None:
    plan = FailurePlan(forced_transient=["421-at-mail", "451-at-rcpt", "451-at-data"])
    with FakeSmtpServer(ca, ca_file, failures=plan) as server:
        connector = connector_for(server, retry_after_seconds=42)
        try:
            results = [await connector.send(nudge("k")) for _ in range(4)]
        finally:
            await connector.close()
    assert [r.status for r in results] == [DeliveryStatus.RETRY] * 3 + [DeliveryStatus.DELIVERED]
    assert [r.detail.split()[1] for r in results[:3]] == ["421", "451", "451"]
    assert all(r.retry_after == 42 and not r.address_invalid for r in results[:3])
    assert len(server.captured()) == 1


async def test_refused_connection_is_transient() -> None:
    closed_port = _unused_port()
    settings = EmailSettings.from_mapping(
        {
            "host": "127.0.0.1",
            "port": closed_port,
            "from_address": "noreply@council.example.gov.uk",
            "timeout_seconds": 2,
        }
    )
    connector = EmailConnector(settings)
    result = await connector.send(nudge())
    check = await connector.check()
    await connector.close()
    assert result.status is DeliveryStatus.RETRY
    assert not check.ok and str(closed_port) in check.detail


async def test_untrusted_certificate_is_not_accepted(smtp_server: FakeSmtpServer, tmp_path: Path) -> None:
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    connector = connector_for(smtp_server, ca_file=str(stranger))
    result = await connector.send(nudge())
    await connector.close()
    assert result.status is DeliveryStatus.RETRY and "certificate" in result.detail.lower()
    assert smtp_server.captured() == []


async def test_wrong_password_fails_permanently(smtp_server: FakeSmtpServer) -> None:
    connector = connector_for(smtp_server, password="wrong")
    result = await connector.send(nudge())
    check = await connector.check()
    await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and not result.address_invalid
    assert "535" in result.detail
    assert not check.ok and "535" in check.detail


async def test_check_connects_authenticates_and_noops(smtp_server: FakeSmtpServer) -> None:
    connector = connector_for(smtp_server)
    check = await connector.check()
    await connector.close()
    assert check.ok and check.channel == "email"
    assert "authenticated as lrs" in check.detail and "NOOP 250" in check.detail
    assert smtp_server.captured() == []


async def test_malformed_address_fails_without_smtp(smtp_server: FakeSmtpServer) -> None:
    connector = connector_for(smtp_server)
    result = await connector.send(nudge(to="not an address"))
    await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and result.address_invalid
    assert smtp_server.mail_transactions == 0


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_unbuildable_message_fails_without_smtp(smtp_server: FakeSmtpServer) -> None:
    naive = CalendarInvite(
        uid="u",
        sequence=0,
        title="t",
        description="",
        start=datetime(2025, 6, 3, 9),
        end=datetime(2025, 6, 3, 10),
    )
    connector = connector_for(smtp_server)
    result = await connector.send(nudge(invite=naive))
    await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and "timezone-aware" in result.detail
    assert smtp_server.mail_transactions == 0
