"""Shared pieces of the 500-message storm tests: the messages and the simplest retrying caller."""

from __future__ import annotations

from connectors.base import Connector, DeliveryResult, DeliveryStatus, Recipient, RenderedMessage

MESSAGES = 500
MAX_ATTEMPTS = 10


def storm_messages(count: int = MESSAGES) -> list[RenderedMessage]:
    return [
        RenderedMessage(
            idempotency_key=f"storm:{n}",
            recipient=Recipient(f"learner{n}@partner.example.org"),
            subject=f"Nudge {n}",
            text=f"Message number {n}",
        )
        for n in range(count)
    ]


async def deliver_with_retries(connector: Connector, message: RenderedMessage) -> list[DeliveryResult]:
    """Resend on RETRY (no sleeping: the test servers recover at once), up to MAX_ATTEMPTS."""
    results = [await connector.send(message)]
    while results[-1].status is DeliveryStatus.RETRY and len(results) < MAX_ATTEMPTS:
        results.append(await connector.send(message))
    return results
