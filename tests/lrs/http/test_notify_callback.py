"""POST /notify/callback over real HTTP, on SQLite and PostgreSQL: the bearer token, body errors, and
receipts applied to messages really sent through the fake Notify API (delivery log, suppression)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme

from connectors.base import DeliveryStatus
from connectors.email.connector import create_connector as create_email_connector
from connectors.notify.connector import create_connector as create_notify_connector
from notifications.delivery_log import DeliveryLog, DeliveryState
from notifications.dispatch import deliver
from notifications.suppression import StoredSuppressionList
from tests.fakes.notify import API_KEY, TEMPLATE_ID, FakeNotifyServer
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs_server import RunningLrs, running_lrs
from tests.notifications.support import START, ManualClock, nudge

TOKEN = "notify-callback-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def server(database_url: str, clock: ManualClock) -> AsyncIterator[RunningLrs]:
    notify_table = {"api_key": API_KEY, "template_id": TEMPLATE_ID, "callback_bearer_token": TOKEN}
    async with running_lrs(database_url, clock=clock, connectors={"notify": notify_table}) as running:
        yield running


@pytest.fixture
async def notify(ca: trustme.CA, ca_file: Path) -> AsyncIterator[FakeNotifyServer]:
    async with FakeNotifyServer(ca, ca_file) as fake:
        yield fake


@pytest.fixture
def smtp(ca: trustme.CA, ca_file: Path) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer(ca, ca_file) as fake:
        yield fake


def receipt_for(sent: dict[str, Any], status: str, **changes: Any) -> dict[str, Any]:
    """The body Notify posts about a notification the fake accepted."""
    body = {
        "id": sent["id"],
        "reference": sent.get("reference"),
        "to": sent["email_address"],
        "status": status,
        "created_at": "2025-05-06T09:00:01.000000Z",
        "completed_at": "2025-05-06T09:00:09.000000Z",
        "sent_at": "2025-05-06T09:00:02.000000Z",
        "notification_type": "email",
        "template_id": TEMPLATE_ID,
        "template_version": 3,
    }
    body.update(changes)
    return body


async def post(server: RunningLrs, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    url = server.server.make_url("/notify/callback")
    send = {"data": body} if isinstance(body, bytes) else {"json": body}
    async with server.session.post(url, headers=BEARER if headers is None else headers, **send) as response:
        return response.status, (await response.json() if response.status != 204 else None)


async def send_through_notify(
    server: RunningLrs, notify: FakeNotifyServer, key: str, to: str
) -> dict[str, Any]:
    connector = create_notify_connector(notify.settings_table())
    try:
        result = await deliver(nudge(key, to), connector, DeliveryLog(server.database), ManualClock())
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.DELIVERED
    sent = notify.notifications[-1]
    assert (sent["reference"], result.provider_id) == (key, sent["id"])
    return sent


REFUSED_HEADERS = [
    {},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer not-the-token-at-all"},
]


async def test_a_missing_or_wrong_token_is_refused(server: RunningLrs) -> None:
    url = server.server.make_url("/notify/callback")
    body = receipt_for({"id": "n-1", "email_address": "sam@partner.example.org"}, "permanent-failure")
    for headers in REFUSED_HEADERS:
        async with server.session.post(url, json=body, headers=headers) as response:
            assert response.status == 401, headers
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "bearer token" in (await response.json())["message"]
    assert not await StoredSuppressionList(server.database).is_suppressed("sam@partner.example.org")


async def test_without_a_configured_token_every_callback_is_refused(database_url: str) -> None:
    async with running_lrs(database_url, connectors={}) as server:
        status, body = await post(server, receipt_for({"id": "n-1", "email_address": "a@b.org"}, "delivered"))
    assert status == 401 and "no callback bearer token is configured" in body["message"]


NOT_RECEIPTS: list[tuple[bytes | dict[str, Any], str]] = [
    (b"{not json", "body"),
    (b"[]", "body"),
    ({"to": None}, "to"),
    ({"status": "bounced"}, "status"),
    ({"created_at": "yesterday"}, "created_at"),
    ({"id": 7}, "id"),
]


async def test_a_body_that_is_not_a_receipt_is_a_400_naming_the_field(server: RunningLrs) -> None:
    valid = receipt_for({"id": "n-1", "email_address": "a@b.org"}, "delivered")
    for body, field in NOT_RECEIPTS:
        status, answer = await post(server, body if isinstance(body, bytes) else {**valid, **body})
        assert (status, answer["field"]) == (400, field)
        assert answer["message"].startswith(f"{field}: ")


async def test_a_delivered_receipt_confirms_the_logged_delivery(
    server: RunningLrs, notify: FakeNotifyServer
) -> None:
    sent = await send_through_notify(server, notify, "nudge:c7:sam:m3", "sam@partner.example.org")
    status, _ = await post(server, receipt_for(sent, "delivered"))
    record = await DeliveryLog(server.database).get("nudge:c7:sam:m3")
    assert status == 204 and record is not None
    assert (record.status, record.provider_id, record.receipt_status, record.receipt_at) == (
        DeliveryState.DELIVERED,
        sent["id"],
        "delivered",
        START,
    )


async def test_a_permanent_failure_suppresses_the_address_for_every_channel(
    server: RunningLrs, notify: FakeNotifyServer, smtp: FakeSmtpServer
) -> None:
    sent = await send_through_notify(server, notify, "nudge:c7:gone:m3", "gone@partner.example.org")
    status, _ = await post(server, receipt_for(sent, "permanent-failure", reference=None))  # found by id
    assert status == 204
    log = DeliveryLog(server.database)
    record = await log.get("nudge:c7:gone:m3")
    assert record is not None and record.status is DeliveryState.FAILED
    assert record.last_error == f"notify permanent-failure ({sent['id']})"
    email = create_email_connector(smtp.settings_table(), suppression=StoredSuppressionList(server.database))
    try:
        result = await email.send(nudge("nudge:c7:gone:m4", "Gone@Partner.example.org"))
    finally:
        await email.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and result.address_invalid
    assert smtp.mail_transactions == 0 and smtp.captured() == []


async def test_a_temporary_failure_schedules_another_attempt(
    server: RunningLrs, notify: FakeNotifyServer, clock: ManualClock
) -> None:
    sent = await send_through_notify(server, notify, "nudge:c7:full:m3", "full@partner.example.org")
    clock.advance(3600)
    status, _ = await post(server, receipt_for(sent, "temporary-failure"))
    record = await DeliveryLog(server.database).get("nudge:c7:full:m3")
    assert status == 204 and record is not None
    assert record.status is DeliveryState.RETRY and record.next_attempt_at is not None
    assert timedelta(seconds=30) <= record.next_attempt_at - clock.now <= timedelta(seconds=60)
    assert not await StoredSuppressionList(server.database).is_suppressed("full@partner.example.org")


async def test_a_receipt_the_log_does_not_know_is_accepted(server: RunningLrs) -> None:
    sent = {
        "id": "6f0c2b9e-0000-4000-8000-000000000001",
        "reference": "send-test:abc",
        "email_address": "x@y.org",
    }
    status, _ = await post(server, receipt_for(sent, "permanent-failure"))
    assert status == 204  # Notify would retry anything else
    assert await StoredSuppressionList(server.database).is_suppressed("x@y.org")
