"""Which notification events a change of projection rows means. Pure: old rows in, events out.

Each event marks a transition of one (learner, item), so replaying the same statements (same rows)
publishes nothing, and each transition is published once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lrs.events.types import (
    BlockSatisfied,
    Event,
    ModuleCompleted,
    ModuleSatisfied,
    ModuleStarted,
    ProgrammeCompleted,
    SessionAttended,
    SessionMissed,
)
from lrs.progress.projection import BLOCK, MODULE, PROGRAMME, SESSION, ItemProgress

_FINISHED = frozenset({"completed", "passed", "failed", "waived"})


@dataclass(frozen=True)
class Owner:
    learner_id: int
    programme_id: str
    cohort_id: str


def transition_events(
    owner: Owner,
    old: Mapping[tuple[str, str], ItemProgress],
    new: Sequence[ItemProgress],
    marked_absent: frozenset[str] = frozenset(),
) -> list[Event]:
    """`marked_absent`: the sessions the register marked the learner absent from (`session.missed`
    says so; an absent mark is not activity, so the rows cannot tell)."""
    events: list[Event] = []
    for item in new:
        before = old.get((item.kind, item.item_id))
        if item.kind == MODULE:
            events += _module_events(owner, before, item)
        elif item.kind == SESSION:
            events += _session_events(owner, before, item, item.item_id in marked_absent)
        elif item.kind == BLOCK and _newly(before, item, "satisfied_at"):
            assert item.satisfied_at is not None
            events.append(BlockSatisfied(*_ids(owner), item.item_id, item.satisfied_at))
        elif item.kind == PROGRAMME and _newly(before, item, "completed_at"):
            assert item.completed_at is not None
            events.append(ProgrammeCompleted(*_ids(owner), item.completed_at))
    return events


def _module_events(owner: Owner, before: ItemProgress | None, item: ItemProgress) -> list[Event]:
    events: list[Event] = []
    if _newly(before, item, "first_activity_at"):
        assert item.first_activity_at is not None
        events.append(ModuleStarted(*_ids(owner), item.item_id, item.first_activity_at))
    was_finished = before is not None and before.status in _FINISHED
    if item.status in _FINISHED and not was_finished:
        at = item.completed_at or item.last_activity_at or item.first_activity_at
        assert at is not None
        events.append(ModuleCompleted(*_ids(owner), item.item_id, item.status, at))
    if _newly(before, item, "satisfied_at"):
        assert item.satisfied_at is not None
        events.append(ModuleSatisfied(*_ids(owner), item.item_id, item.satisfied_at))
    return events


def _session_events(
    owner: Owner, before: ItemProgress | None, item: ItemProgress, marked: bool
) -> list[Event]:
    was = before.status if before is not None else "not_started"
    if item.status == "attended" and was != "attended":
        assert item.completed_at is not None
        return [SessionAttended(*_ids(owner), item.item_id, item.completed_at)]
    # An absence becomes final (completed_at set) when the session ends.
    if item.status == "absent" and item.completed_at is not None and _newly(before, item, "completed_at"):
        return [SessionMissed(*_ids(owner), item.item_id, item.completed_at, marked)]
    return []


def _newly(before: ItemProgress | None, item: ItemProgress, attribute: str) -> bool:
    return getattr(item, attribute) is not None and (before is None or getattr(before, attribute) is None)


def _ids(owner: Owner) -> tuple[str, str, int]:
    return owner.programme_id, owner.cohort_id, owner.learner_id
