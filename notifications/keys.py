"""Deterministic message keys: learner, rule and occurrence.

The same decision always produces the same key, so re-planning never duplicates a message and the
delivery log (one row per idempotency key) never sends one twice. A fallback hop to another channel
gets its own idempotency key derived from the planned key.
"""

from __future__ import annotations


def planned_key(rule: str, cohort_id: str, learner_id: int | None, occurrence: str) -> str:
    if learner_id is None:
        return f"{rule}:{cohort_id}:cohort:{occurrence}"
    before, after = learner_key_parts(rule, cohort_id, occurrence)
    return f"{before}{learner_id}{after}"


def learner_key_parts(rule: str, cohort_id: str, occurrence: str) -> tuple[str, str]:
    """What comes before and after the learner's id in a learner's `planned_key` (for keys made in SQL)."""
    return f"{rule}:{cohort_id}:learner-", f":{occurrence}"


def delivery_key(key: str, channel: str) -> str:
    """The idempotency key of `key` sent through `channel`."""
    return f"{key}@{channel}"
