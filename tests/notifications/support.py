"""Shared by the notifications tests: a clock the test moves by hand, and messages to send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Recipient, RenderedMessage

START = datetime(2025, 5, 6, 9, 0, tzinfo=UTC)


class ManualClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def move_to(self, when: datetime) -> None:
        self.now = max(self.now, when)


def nudge(key: str, email: str = "sam@partner.example.org") -> RenderedMessage:
    return RenderedMessage(
        idempotency_key=key,
        recipient=Recipient(email, "Sam Patel"),
        subject="Module 3 is open",
        text="Your next module is ready.",
        html="<p>Your next module is ready.</p>",
    )
