"""Connector throttling on /metrics: replies with HTTP 429 or Retry-After, counted while a worker
delivers through real connectors (Workflows over the fake Microsoft HTTPS server, GOV.UK Notify over
the fake Notify server), stored with the attempt and shown by channel as `lrs_connector_throttled_total`
(the same figure from any server process, whichever process delivered)."""

from __future__ import annotations

from pathlib import Path

import trustme

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.notify.connector import create_connector as notify_connector
from connectors.teams_channel.connector import create_connector as channel_connector
from connectors.throttling import note_throttled, throttle_tally
from lrs.clock import utc_now
from lrs.storage.engine import Database
from notifications.delivery_log import DeliveryLog
from notifications.dispatch import deliver
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.notify import FakeNotifyServer, NotifyFailurePlan
from tests.lrs_server import running_lrs

__all__ = ["fake_microsoft", "microsoft_ca"]
TOKEN = "metrics-token-for-tests"


def message(key: str, to: str = "ada@council.example.gov.uk") -> RenderedMessage:
    return RenderedMessage(key, Recipient(to, "Ada"), "Week 3", "Three learners finished.")


async def _post_to_channel(fake: FakeMicrosoft, database: Database) -> None:
    url = fake.workflows.add(fake.base_url)
    fake.faults.add(r"^/workflows/", 429, retry_after=0, remaining=2)
    fake.faults.add(r"^/workflows/", 503, retry_after=0, remaining=1)
    connector = channel_connector(
        {"webhook_url": url, "ca_bundle": str(fake.ca_path), "backoff_base_seconds": 0.01}
    )
    try:
        result = await deliver(message("channel-1"), connector, DeliveryLog(database), utc_now)
        unthrottled = await deliver(message("channel-2"), connector, DeliveryLog(database), utc_now)
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.DELIVERED and unthrottled.status is DeliveryStatus.DELIVERED


async def _send_by_notify(ca: trustme.CA, ca_file: Path, database: Database) -> None:
    async with FakeNotifyServer(ca, ca_file, failures=NotifyFailurePlan(forced_statuses=[429])) as notify:
        connector = notify_connector(notify.settings_table())
        try:
            result = await deliver(message("notify-1"), connector, DeliveryLog(database), utc_now)
        finally:
            await connector.close()
    assert result.status is DeliveryStatus.RETRY


async def test_throttling_replies_are_counted_by_channel_on_metrics(
    database_url: str, fake_microsoft: FakeMicrosoft, ca: trustme.CA, ca_file: Path
) -> None:
    async with running_lrs(database_url, metrics_token=TOKEN) as lrs:
        await _post_to_channel(fake_microsoft, lrs.database)
        await _send_by_notify(ca, ca_file, lrs.database)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with lrs.session.get(lrs.server.make_url("/metrics"), headers=headers) as response:
            assert response.status == 200
            text = await response.text()
    assert "# TYPE lrs_connector_throttled_total counter" in text
    assert 'lrs_connector_throttled_total{connector="teams_channel"} 3.0' in text  # 2 x 429, 1 x 503+RA
    assert 'lrs_connector_throttled_total{connector="notify"} 1.0' in text
    assert "council.example.gov.uk" not in text


async def test_an_empty_store_shows_the_counter_with_no_channels(sqlite_url: str) -> None:
    async with running_lrs(sqlite_url, metrics_token=TOKEN) as lrs:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with lrs.session.get(lrs.server.make_url("/metrics"), headers=headers) as response:
            text = await response.text()
    assert "# TYPE lrs_connector_throttled_total counter" in text
    assert "lrs_connector_throttled_total{" not in text


def test_a_tally_counts_only_while_open_and_nests() -> None:
    note_throttled()  # no tally open: nothing to count, nothing raised
    with throttle_tally() as outer:
        note_throttled()
        with throttle_tally() as inner:
            note_throttled()
            note_throttled()
        note_throttled()
    note_throttled()
    assert (outer.count, inner.count) == (2, 2)
