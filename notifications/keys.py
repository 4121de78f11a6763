"""Deterministic message keys: learner, rule and occurrence.

The same decision always produces the same key, so re-planning never duplicates a message and the
delivery log (one row per idempotency key) never sends one twice. A fallback hop to another channel
gets its own idempotency key derived from the planned key.
"""

from __future__ import annotations


def planned_key(rule: str, cohort_id: str, learner_id: int | None, occurrence: str) -> str:
    who = "cohort" if learner_id is None else f"learner-{learner_id}"
    return f"{rule}:{cohort_id}:{who}:{occurrence}"


def delivery_key(key: str, channel: str) -> str:
    """The idempotency key of `key` sent through `channel`."""
    return f"{key}@{channel}"
