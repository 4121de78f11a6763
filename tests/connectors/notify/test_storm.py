"""500 notifications through the Notify connector while the fake answers a seeded share with 429/500."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import trustme

from connectors.base import DeliveryStatus
from connectors.notify.connector import create_connector
from tests.connectors.storm import MESSAGES, deliver_with_retries, storm_messages
from tests.fakes.notify import FakeNotifyServer, NotifyFailurePlan


async def test_every_reference_is_delivered_exactly_once(ca: trustme.CA, ca_file: Path) -> None:
    plan = NotifyFailurePlan(transient_rate=0.15, seed=20250506)
    messages = storm_messages()
    async with FakeNotifyServer(ca, ca_file, failures=plan) as server:
        connector = create_connector(server.settings_table(max_concurrency=4))
        try:
            # Several callers at once, as the delivery worker runs them: exercises the client pool.
            outcomes = await asyncio.gather(*(deliver_with_retries(connector, m) for m in messages))
        finally:
            await connector.close()

    assert all(attempts[-1].status is DeliveryStatus.DELIVERED for attempts in outcomes)
    retries = [r for attempts in outcomes for r in attempts[:-1]]
    assert len(retries) > MESSAGES * 0.1 and all(r.status is DeliveryStatus.RETRY for r in retries)
    assert {r.detail.split()[1] for r in retries} == {"429", "500"}
    references = Counter(n["reference"] for n in server.notifications)
    assert set(references) == {m.idempotency_key for m in messages}
    assert max(references.values()) == 1
    by_reference = {n["reference"]: n["id"] for n in server.notifications}
    assert all(
        attempts[-1].provider_id == by_reference[m.idempotency_key]
        for m, attempts in zip(messages, outcomes, strict=True)
    )
