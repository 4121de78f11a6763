"""What a learner's observations of one module or session come to, folded one observation at a time.

`ItemFacts` holds, per item, exactly what the projection reads from its observations: first and
last activity, the first time of each deciding verb, the best score, whether the register marked the
learner absent, and the durations. Folding is commutative, associative and (durations aside)
idempotent, so the facts of old observations plus one new observation equal the facts of all of
them, in any order: a statement costs one fold, not a re-read of the learner's history. Durations
are sums, so the caller folds each statement's duration in once (lrs.progress.store keeps the ids of
statements whose durations were counted). The projection (lrs.progress.projection) turns facts into
rows; rows store their facts (`progress.facts`, JSON) for the next fold.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from lrs.programme.model import Module
from lrs.progress import verbs
from lrs.progress.cmi5 import counts_as_pass
from lrs.progress.observations import Observation

_TIMES: tuple[str, ...] = ("first_activity_at", "last_activity_at", "completed_at", "passed_at", "failed_at")
_TIMES += ("waived_at", "attended_at")


@dataclass(frozen=True)
class ItemFacts:
    first_activity_at: datetime | None = None
    last_activity_at: datetime | None = None
    completed_at: datetime | None = None  # the first `completed`
    passed_at: datetime | None = None  # the first pass that counts (score at least the mastery score)
    failed_at: datetime | None = None  # the first `failed`, or `passed` below the mastery score
    waived_at: datetime | None = None
    attended_at: datetime | None = None
    absent_marked: bool = False
    best_score: float | None = None  # the highest scaled score of a `passed` or `failed`
    terminated_ms: int | None = None  # modules: durations of `terminated` (None: never terminated)
    duration_ms: int = 0  # modules: every duration; sessions: durations of `attended`


_DEFAULTS: dict[str, Any] = {}


def _earliest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment < current else current


def _activity(facts: ItemFacts, item: Observation) -> ItemFacts:
    if not verbs.is_activity(item.verb):
        return facts
    last = facts.last_activity_at
    return replace(
        facts,
        first_activity_at=_earliest(facts.first_activity_at, item.timestamp),
        last_activity_at=item.timestamp if last is None or item.timestamp > last else last,
    )


def fold_module(facts: ItemFacts, module: Module, item: Observation) -> ItemFacts:
    """`facts` with one more observation of the module (read the way lrs.progress.cmi5 reads it)."""
    facts = _activity(facts, item)
    changes: dict[str, Any] = {"duration_ms": facts.duration_ms + item.duration_ms}
    if item.verb == verbs.COMPLETED:
        changes["completed_at"] = _earliest(facts.completed_at, item.timestamp)
    elif counts_as_pass(item, module.mastery_score):
        changes["passed_at"] = _earliest(facts.passed_at, item.timestamp)
    elif item.verb in (verbs.PASSED, verbs.FAILED):
        changes["failed_at"] = _earliest(facts.failed_at, item.timestamp)
    elif item.verb == verbs.WAIVED:
        changes["waived_at"] = _earliest(facts.waived_at, item.timestamp)
    if item.verb == verbs.TERMINATED:
        changes["terminated_ms"] = (facts.terminated_ms or 0) + item.duration_ms
    if item.verb in (verbs.PASSED, verbs.FAILED) and item.score_scaled is not None:
        best = facts.best_score
        changes["best_score"] = item.score_scaled if best is None else max(best, item.score_scaled)
    return replace(facts, **changes)


def fold_session(facts: ItemFacts, item: Observation) -> ItemFacts:
    """`facts` with one more observation of the session."""
    facts = _activity(facts, item)
    if item.verb == verbs.ATTENDED:
        return replace(
            facts,
            attended_at=_earliest(facts.attended_at, item.timestamp),
            duration_ms=facts.duration_ms + item.duration_ms,
        )
    if item.verb == verbs.WAIVED:
        return replace(facts, waived_at=_earliest(facts.waived_at, item.timestamp))
    if item.verb == verbs.ABSENT:
        return replace(facts, absent_marked=True)
    return facts


_DEFAULTS.update({spec.name: spec.default for spec in fields(ItemFacts)})


def encode_facts(facts: ItemFacts) -> str:
    values: dict[str, Any] = {}
    for name, default in _DEFAULTS.items():
        value = getattr(facts, name)
        if value != default:
            values[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(values)


@functools.lru_cache(maxsize=8192)
def decode_facts(text: str) -> ItemFacts:
    """The facts stored as `text`. Memoised: most items' facts are the same few texts (an untouched
    module is `{}`), and facts are frozen, so one object serves them all."""
    values: dict[str, Any] = json.loads(text)
    unknown = set(values) - set(_DEFAULTS)
    if unknown:
        raise ValueError(f"progress facts with unknown keys {sorted(unknown)}")
    for name in _TIMES:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    return ItemFacts(**values)
