"""Counting the times a provider throttles a connector (HTTP 429, or any reply with Retry-After).

Whoever calls a connector may open a tally around the call (`with throttle_tally() as tally:`);
the HTTP layers report each throttling reply with `note_throttled()`, which adds to the innermost open
tally of the calling task (and of threads it started with `asyncio.to_thread`, which copy the
context). With no tally open, `note_throttled()` does nothing, so connectors used from the CLI or in
tests need no set-up. The LRS stores the counts per channel and shows them on /metrics.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class ThrottleTally:
    count: int = 0


_OPEN_TALLY: ContextVar[ThrottleTally | None] = ContextVar("connector_throttle_tally", default=None)


@contextmanager
def throttle_tally() -> Iterator[ThrottleTally]:
    tally = ThrottleTally()
    token = _OPEN_TALLY.set(tally)
    try:
        yield tally
    finally:
        _OPEN_TALLY.reset(token)


def note_throttled() -> None:
    tally = _OPEN_TALLY.get()
    if tally is not None:
        tally.count += 1


def is_throttling(status: int, headers: Mapping[str, str]) -> bool:
    """A 429, or any reply that asks the client to wait (a 503 with Retry-After, say)."""
    return status == 429 or "Retry-After" in headers
