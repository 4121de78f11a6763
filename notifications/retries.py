"""When to try a message again: exponential backoff with jitter, never sooner than the provider asks.

Pure time maths (no clock, no randomness of its own): callers pass `now` and a jitter draw in [0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6  # attempts in all; a transient failure on the last one makes the message dead
    base_seconds: float = 60.0  # backoff ceiling after the first failure; doubles with each attempt
    max_seconds: float = 6 * 3600.0  # the ceiling stops growing here (a provider's Retry-After may exceed it)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts: at least 1")
        if not 0 < self.base_seconds <= self.max_seconds:
            raise ValueError("base_seconds: must be positive and at most max_seconds")

    def delay_seconds(self, attempt: int, retry_after: float | None, jitter: float) -> float:
        """The wait after failed attempt number `attempt` (1-based).

        "Equal jitter": somewhere between half the exponential ceiling and the ceiling, so a burst of
        failures (a relay restart) does not come back as a burst, yet no retry is needlessly early.
        """
        ceiling = min(self.max_seconds, self.base_seconds * 2.0 ** min(attempt - 1, 62))
        backoff = ceiling * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0))
        return max(backoff, retry_after or 0.0)

    def next_attempt_at(
        self, attempt: int, now: datetime, retry_after: float | None, jitter: float
    ) -> datetime | None:
        """When to try again after failed attempt `attempt`, or None when the attempts are used up."""
        if attempt >= self.max_attempts:
            return None
        return now + timedelta(seconds=self.delay_seconds(attempt, retry_after, jitter))
