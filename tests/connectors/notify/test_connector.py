from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme

from connectors.base import (
    CalendarInvite,
    Connector,
    DeliveryStatus,
    MemorySuppressionList,
    Recipient,
    RenderedMessage,
)
from connectors.notify.connector import NotifyConnector, create_connector
from connectors.notify.settings import NotifySettings
from tests.fakes.notify import FakeNotifyServer, NotifyFailurePlan


def nudge(key: str = "nudge:1", to: str = "sam@partner.example.org", **changes: Any) -> RenderedMessage:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "recipient": Recipient(to, "Sam"),
        "subject": "Module 3 is waiting",
        "text": "Hello Sam, module 3 is open.",
        "unsubscribe_url": "https://lrs.example.gov.uk/u/abc",
    }
    fields.update(changes)
    return RenderedMessage(**fields)


def connector_for(
    server: FakeNotifyServer, suppression: MemorySuppressionList | None = None, **overrides: Any
) -> NotifyConnector:
    return NotifyConnector(
        NotifySettings.from_mapping(server.settings_table(**overrides)), suppression=suppression
    )


async def test_create_connector_satisfies_the_interface(notify_server: FakeNotifyServer) -> None:
    connector = create_connector(notify_server.settings_table())
    assert isinstance(connector, Connector) and connector.channel == "notify"
    await connector.close()


async def test_sends_template_with_personalisation_and_reference(notify_server: FakeNotifyServer) -> None:
    connector = connector_for(notify_server)
    try:
        result = await connector.send(nudge())
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.DELIVERED
    (sent,) = notify_server.notifications
    assert result.provider_id == sent["id"]
    assert sent["email_address"] == "sam@partner.example.org"
    assert sent["template_id"] == notify_server.template["id"]
    assert sent["reference"] == "nudge:1"
    assert sent["personalisation"] == {
        "subject": "Module 3 is waiting",
        "body": "Hello Sam, module 3 is open.",
    }
    assert sent["one_click_unsubscribe_url"] == "https://lrs.example.gov.uk/u/abc"
    assert notify_server.auth_failures == []


@pytest.mark.parametrize("status", [429, 500])
async def test_rate_limit_and_server_errors_ask_for_a_retry(
    ca: trustme.CA, ca_file: Path, status: int
) -> None:
    async with FakeNotifyServer(ca, ca_file, failures=NotifyFailurePlan(forced_statuses=[status])) as server:
        connector = connector_for(server, retry_after_seconds=17)
        try:
            first = await connector.send(nudge())
            second = await connector.send(nudge())
        finally:
            await connector.close()
    assert first.status is DeliveryStatus.RETRY and first.retry_after == 17
    assert str(status) in first.detail
    assert second.status is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("status", [400, 403])
async def test_bad_request_and_auth_errors_are_permanent(ca: trustme.CA, ca_file: Path, status: int) -> None:
    suppression = MemorySuppressionList()
    async with FakeNotifyServer(ca, ca_file, failures=NotifyFailurePlan(forced_statuses=[status])) as server:
        connector = connector_for(server, suppression)
        try:
            result = await connector.send(nudge())
        finally:
            await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and not result.address_invalid
    assert str(status) in result.detail
    assert not await suppression.is_suppressed("sam@partner.example.org")


async def test_invalid_address_is_suppressed_and_not_sent_again(ca: trustme.CA, ca_file: Path) -> None:
    suppression = MemorySuppressionList()
    plan = NotifyFailurePlan(invalid_addresses={"gone@partner.example.org"})
    async with FakeNotifyServer(ca, ca_file, failures=plan) as server:
        connector = connector_for(server, suppression)
        try:
            refused = await connector.send(nudge("a", to="gone@partner.example.org"))
            seen = server.requests_seen
            again = await connector.send(nudge("b", to="gone@partner.example.org"))
        finally:
            await connector.close()
    assert refused.status is DeliveryStatus.PERMANENT_FAILURE and refused.address_invalid
    assert "ValidationError" in refused.detail
    assert again.status is DeliveryStatus.PERMANENT_FAILURE and again.address_invalid
    assert server.requests_seen == seen


async def test_wrong_api_key_is_refused_by_the_jwt_check(notify_server: FakeNotifyServer) -> None:
    wrong_key = "cohort_lrs_test-5f1b1c4e-2b0a-4c5e-9a43-8a6d0e7f1a11-11111111-2222-3333-4444-555555555555"
    connector = connector_for(notify_server, api_key=wrong_key)
    try:
        result = await connector.send(nudge())
        check = await connector.check()
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and "403" in result.detail
    assert not check.ok and "403" in check.detail
    assert notify_server.auth_failures and notify_server.notifications == []


async def test_stale_token_is_refused(ca: trustme.CA, ca_file: Path) -> None:
    async with FakeNotifyServer(ca, ca_file, clock=lambda: datetime.now(UTC).timestamp() + 120) as server:
        connector = connector_for(server)
        try:
            result = await connector.send(nudge())
        finally:
            await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE
    assert server.auth_failures == ["Error: Your system clock must be accurate to within 30 seconds"]


async def test_check_reads_the_template(notify_server: FakeNotifyServer) -> None:
    connector = connector_for(notify_server)
    try:
        check = await connector.check()
    finally:
        await connector.close()
    assert check.ok and check.channel == "notify" and "cohort-lrs notification" in check.detail


async def test_check_flags_a_template_without_the_placeholders(ca: trustme.CA, ca_file: Path) -> None:
    async with FakeNotifyServer(ca, ca_file) as server:
        server.template["body"] = "Hello ((name))"
        connector = connector_for(server)
        try:
            check = await connector.check()
        finally:
            await connector.close()
    assert not check.ok and "((body))" in check.detail


async def test_unreachable_notify_is_transient(notify_server: FakeNotifyServer) -> None:
    connector = connector_for(notify_server, base_url="https://127.0.0.1:1")
    try:
        result = await connector.send(nudge())
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.RETRY


async def test_untrusted_certificate_is_transient_and_sends_nothing(
    notify_server: FakeNotifyServer, tmp_path: Path
) -> None:
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    connector = connector_for(notify_server, ca_file=str(stranger))
    try:
        result = await connector.send(nudge())
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.RETRY
    assert notify_server.requests_seen == 0


async def test_configured_ca_file_beats_requests_environment_variables(
    notify_server: FakeNotifyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stranger))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(stranger))
    connector = connector_for(notify_server)
    try:
        result = await connector.send(nudge())
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.DELIVERED


async def test_invitations_are_not_sent_through_notify(notify_server: FakeNotifyServer) -> None:
    invite = CalendarInvite(
        uid="u",
        sequence=0,
        title="Review day",
        description="",
        start=datetime(2025, 6, 3, 9, tzinfo=UTC),
        end=datetime(2025, 6, 3, 10, tzinfo=UTC),
    )
    connector = connector_for(notify_server)
    result = await connector.send(nudge(invite=invite))
    await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and "invitation" in result.detail
    assert notify_server.requests_seen == 0
