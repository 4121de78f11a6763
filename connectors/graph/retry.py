"""When to try an HTTP call again: Retry-After first, else exponential backoff with full jitter."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from connectors.graph.config_values import optional_float, optional_int

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # in-connector attempts before handing RETRY back to the caller
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is handed back to the caller, not slept on

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: a uniform pick below the capped exponential (attempt counts from 1)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.uniform(0.0, ceiling)

    def delay_for(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        return retry_after if retry_after is not None else self.backoff(attempt, rng)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], section: str) -> RetryPolicy:
        return cls(
            max_attempts=optional_int(data, "max_attempts", section, 5, minimum=1),
            base_delay=optional_float(data, "backoff_base_seconds", section, 1.0),
            max_delay=optional_float(data, "backoff_max_seconds", section, 30.0),
            max_retry_after=optional_float(data, "max_retry_after_seconds", section, 120.0),
        )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
