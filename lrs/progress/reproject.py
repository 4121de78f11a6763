"""Recompute learners' projections from their inputs and apply the difference: progress rows,
confidence answers, transition events, the LRS's satisfied statements and the inactivity timer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.timers import arm_timer
from lrs.events.types import Event, InactivityDue
from lrs.programme.model import Programme
from lrs.progress import verbs
from lrs.progress.inputs import LearnerInputs
from lrs.progress.observations import Observation
from lrs.progress.projection import (
    ItemProgress,
    LearnerScope,
    inactivity_since,
    last_activity,
    latest_observation,
    learner_progress,
    marked_absent,
)
from lrs.progress.satisfied import (
    KINDS,
    Issuer,
    SatisfiedItem,
    block_iri,
    preferred_ifi,
    programme_iri,
    reconcile_satisfied,
)
from lrs.progress.store import ItemKey, save_confidence, save_records, set_last_activity
from lrs.progress.transitions import Owner, transition_events
from lrs.storage.outbox import append_events


@dataclass(frozen=True)
class ProgressOptions:
    base_url: str
    inactive_after_days: int = 14


@dataclass(frozen=True)
class Applied:
    programme: Programme
    observed: frozenset[str]  # the statement ids the projection was computed from


async def apply_inputs(
    session: AsyncSession,
    options: ProgressOptions,
    programme: Programme,
    inputs: LearnerInputs,
    *,
    now: datetime,
    publish: bool,
    reconcile_all: bool = False,
) -> Applied:
    """Project one enrolment from `inputs` and write what changed. `reconcile_all` (rebuild) checks
    the satisfied statements even when no satisfaction moved."""
    enrolment = inputs.enrolment
    owner = Owner(enrolment.learner_id, programme.id, enrolment.cohort_id)
    cohort = programme.cohort(enrolment.cohort_id)
    scope = LearnerScope(programme, cohort, _emails(inputs.ifis), now)
    new = learner_progress(scope, inputs.observations)
    await save_records(session, owner.learner_id, programme.id, owner.cohort_id, inputs.old, new)
    await _save_confidence(session, owner, programme, inputs.observations)
    if reconcile_all or _satisfactions(inputs.old) != _satisfactions(new):
        issuer = Issuer(owner, preferred_ifi(inputs.ifis), enrolment.registration, inputs.persons)
        items = [
            SatisfiedItem(item, activity_iri(options.base_url, programme, item.kind, item.item_id))
            for item in new
            if item.kind in KINDS and item.satisfied_at is not None
        ]
        await reconcile_satisfied(session, issuer, items, base_url=options.base_url, now=now)
    if publish:
        absent = marked_absent(programme, inputs.observations)
        events: list[Event] = list(transition_events(owner, inputs.old, new, absent))
        await append_events(session, [(item.topic, item.to_payload()) for item in events], now=now)
    last = last_activity(inputs.observations)
    if last != inputs.last_activity_at or not inputs.old:
        await set_last_activity(session, (owner.learner_id, programme.id, owner.cohort_id), last)
        since = inactivity_since(cohort, enrolment.enrolled_at, last)
        await arm_inactivity(session, owner, since, options.inactive_after_days)
    return Applied(programme, frozenset(o.statement_id for o in inputs.observations))


async def arm_inactivity(session: AsyncSession, owner: Owner, since: datetime, days: int) -> None:
    timer = InactivityDue(owner.programme_id, owner.cohort_id, owner.learner_id, since)
    key = f"inactive:{owner.programme_id}:{owner.cohort_id}:{owner.learner_id}"
    await arm_timer(session, key, timer, since + timedelta(days=days))


def activity_iri(base_url: str, programme: Programme, kind: str, item_id: str) -> str:
    """The object of a satisfied statement: the module's or block's activity, or the course IRI."""
    if kind == "module":
        return programme.module(item_id).activity_iri
    if kind == "block":
        block = programme.block(item_id)
        return block.activity_iri or block_iri(base_url, programme.id, item_id)
    return programme_iri(base_url, programme.id)


def _satisfactions(items: Sequence[ItemProgress] | Mapping[ItemKey, ItemProgress]) -> dict[ItemKey, datetime]:
    values = items.values() if isinstance(items, Mapping) else items
    return {
        (item.kind, item.item_id): item.satisfied_at
        for item in values
        if item.kind in KINDS and item.satisfied_at is not None
    }


async def _save_confidence(
    session: AsyncSession, owner: Owner, programme: Programme, observations: list[Observation]
) -> None:
    if programme.confidence is None:
        return
    answers = {
        phase: latest_observation(
            [o for o in observations if o.object_id == iri and o.verb not in verbs.NOT_READ]
        )
        for phase, iri in (
            ("pre", programme.confidence.pre_activity_iri),
            ("post", programme.confidence.post_activity_iri),
        )
    }
    await save_confidence(session, owner.learner_id, owner.programme_id, owner.cohort_id, answers)


def _emails(ifis: list[str]) -> frozenset[str]:
    return frozenset(
        ifi.removeprefix("mbox:mailto:").lower() for ifi in ifis if ifi.startswith("mbox:mailto:")
    )
