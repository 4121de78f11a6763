"""Backoff maths: doubling ceilings, equal jitter, the provider's Retry-After as a floor, the last attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.retries import RetryPolicy
from tests.notifications.support import START


def test_the_ceiling_doubles_until_the_maximum() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=60, max_seconds=600)
    full = [policy.delay_seconds(attempt, None, jitter=1.0) for attempt in range(1, 7)]
    assert full == [60, 120, 240, 480, 600, 600]


@pytest.mark.parametrize(("jitter", "expected"), [(0.0, 120.0), (0.5, 180.0), (0.999, 239.88)])
def test_jitter_lands_between_half_the_ceiling_and_the_ceiling(jitter: float, expected: float) -> None:
    policy = RetryPolicy(base_seconds=60)
    assert policy.delay_seconds(3, None, jitter) == pytest.approx(expected)


def test_retry_after_is_a_floor_even_beyond_the_maximum() -> None:
    policy = RetryPolicy(base_seconds=60, max_seconds=600)
    assert policy.delay_seconds(1, retry_after=900, jitter=0.0) == 900
    assert policy.delay_seconds(1, retry_after=5, jitter=0.0) == 30


def test_no_next_attempt_after_the_last() -> None:
    policy = RetryPolicy(max_attempts=3, base_seconds=10)
    assert policy.next_attempt_at(2, START, None, jitter=1.0) == START + timedelta(seconds=20)
    assert policy.next_attempt_at(3, START, None, jitter=1.0) is None


@pytest.mark.parametrize(
    "arguments", [{"max_attempts": 0}, {"base_seconds": 0}, {"base_seconds": 10, "max_seconds": 5}]
)
def test_nonsense_policies_are_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**arguments)  # type: ignore[arg-type]
