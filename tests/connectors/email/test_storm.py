"""500 messages through one email connector while the server fails a seeded share of transactions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import trustme

from connectors.base import DeliveryStatus
from connectors.email.connector import create_connector
from connectors.email.messages import message_id_for
from tests.connectors.storm import MESSAGES, deliver_with_retries, storm_messages
from tests.fakes.smtp import FailurePlan, FakeSmtpServer


async def test_every_message_is_delivered_exactly_once(ca: trustme.CA, ca_file: Path) -> None:
    plan = FailurePlan(transient_rate=0.15, seed=20250506)
    messages = storm_messages()
    with FakeSmtpServer(ca, ca_file, failures=plan) as server:
        connector = create_connector(server.settings_table())
        try:
            outcomes = [await deliver_with_retries(connector, message) for message in messages]
        finally:
            await connector.close()
        captured = server.captured()

    assert all(attempts[-1].status is DeliveryStatus.DELIVERED for attempts in outcomes)
    retried = sum(len(attempts) - 1 for attempts in outcomes)
    assert retried == server.transient_failures > MESSAGES * 0.1  # the storm really happened
    domain = "council.example.gov.uk"
    expected_ids = {message_id_for(m.idempotency_key, domain) for m in messages}
    delivered_ids = Counter(c.parsed()["Message-ID"] for c in captured)
    assert set(delivered_ids) == expected_ids
    assert max(delivered_ids.values()) == 1
    assert [c.rcpt_tos for c in captured] == [(m.recipient.email,) for m in messages]
