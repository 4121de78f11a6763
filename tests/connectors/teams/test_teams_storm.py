"""500 activity-feed nudges through 429/503 storms: each delivered exactly once, with its provider id."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

from connectors.base import DeliveryResult, DeliveryStatus, Recipient, RenderedMessage
from connectors.graph.client import request_id_for
from connectors.teams.connector import create_connector
from tests.fakes.microsoft import FakeMicrosoft

STORM = 500


async def deliver_all(
    send: Callable[[RenderedMessage], Awaitable[DeliveryResult]],
    messages: Sequence[RenderedMessage],
    rounds: int = 6,
) -> dict[str, DeliveryResult]:
    """What the notifications engine does: send concurrently, resend what came back RETRY."""
    results: dict[str, DeliveryResult] = {}
    gate = asyncio.Semaphore(50)

    async def one(message: RenderedMessage) -> None:
        async with gate:
            results[message.idempotency_key] = await send(message)

    todo = list(messages)
    for _ in range(rounds):
        await asyncio.gather(*(one(m) for m in todo))
        todo = [m for m in todo if results[m.idempotency_key].status is DeliveryStatus.RETRY]
        if not todo:
            break
    return results


async def test_storm_delivers_every_nudge_exactly_once(fake_microsoft: FakeMicrosoft) -> None:
    emails = [f"learner{n}@council.gov.uk" for n in range(STORM)]
    for email in emails:
        fake_microsoft.add_user(email)
    fake_microsoft.faults.add(r"/sendActivityNotification$", 429, probability=0.25, retry_after=0)
    fake_microsoft.faults.add(r"/sendActivityNotification$", 503, probability=0.1)
    fake_microsoft.faults.add(r"/sendActivityNotification$", 429, remaining=3, retry_after=1)
    fake_microsoft.faults.add(r"/v1\.0/users/[^/]+$", 429, probability=0.1, retry_after=0, method="GET")
    messages = [
        RenderedMessage(
            idempotency_key=f"nudge-{n}",
            recipient=Recipient(email),
            subject="Module 3 is open",
            text="Your next module is ready.",
            deep_link="https://teams.microsoft.com/l/entity/app/module-3",
        )
        for n, email in enumerate(emails)
    ]
    connector = create_connector(
        fake_microsoft.graph_config(default_web_url="https://teams.microsoft.com/l/x")
    )
    try:
        results = await deliver_all(connector.send, messages)
    finally:
        await connector.close()

    assert fake_microsoft.faults.fired > 100
    assert {r.status for r in results.values()} == {DeliveryStatus.DELIVERED}
    delivered = fake_microsoft.ok(r"/teamwork/sendActivityNotification$")
    per_key = Counter(r.headers["client-request-id"] for r in delivered)
    assert per_key == Counter({request_id_for(m.idempotency_key): 1 for m in messages})
    assert {r.provider_id for r in results.values()} == {r.reply_headers["request-id"] for r in delivered}
