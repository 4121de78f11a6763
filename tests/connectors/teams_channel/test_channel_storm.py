"""500 channel posts through Workflows throttling: each posted exactly once, each with its run id."""

from __future__ import annotations

from collections import Counter

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.teams_channel.connector import create_connector
from tests.connectors.teams.test_teams_storm import deliver_all
from tests.fakes.microsoft import FakeMicrosoft


async def test_storm_posts_every_card_exactly_once(fake_microsoft: FakeMicrosoft) -> None:
    url = fake_microsoft.workflows.add(fake_microsoft.base_url)
    fake_microsoft.faults.add(r"^/workflows/", 429, probability=0.3, retry_after=0)
    fake_microsoft.faults.add(r"^/workflows/", 503, probability=0.1)
    config = {
        "webhook_url": url,
        "ca_bundle": str(fake_microsoft.ca_path),
        "requests_per_second": 1000.0,
        "burst": 1000,
        "max_attempts": 6,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
    }
    connector = create_connector(config)
    messages = [
        RenderedMessage(
            f"post-{n}", Recipient("cohort-7@channel"), f"Week {n} summary", "Three learners finished."
        )
        for n in range(500)
    ]
    try:
        results = await deliver_all(connector.send, messages)
    finally:
        await connector.close()

    assert {r.status for r in results.values()} == {DeliveryStatus.DELIVERED}
    posted = fake_microsoft.ok(r"^/workflows/")
    assert Counter(r.headers["x-ms-client-tracking-id"] for r in posted) == Counter(
        {m.idempotency_key: 1 for m in messages}
    )
    assert {r.provider_id for r in results.values()} == {
        r.reply_headers["x-ms-workflow-run-id"] for r in posted
    }
