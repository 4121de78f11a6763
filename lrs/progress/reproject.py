"""Recompute learners' projections from their inputs and apply the difference: progress rows and
their facts, confidence answers, transition events, the LRS's satisfied statements and the
inactivity timer. Every enrolment of a pass is planned into one `StateWrites`, then `flush_writes`
writes it in bulk (a fixed number of statements per pass, not per learner)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.timers import arm_timers
from lrs.events.types import InactivityDue
from lrs.programme.model import Programme
from lrs.progress import verbs
from lrs.progress.facts import encode_facts
from lrs.progress.inputs import Enrolled, LearnerInputs
from lrs.progress.observations import Observation
from lrs.progress.projection import (
    ItemProgress,
    LearnerScope,
    confidence_times,
    inactivity_since,
    last_activity,
    latest_observation,
    learner_facts,
    marked_absent,
    observations_by_object,
    progress_from_facts,
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
from lrs.progress.state import StateWrites, StoredState, write_states
from lrs.progress.store import ItemKey
from lrs.progress.transitions import Owner, transition_events
from lrs.storage.outbox import append_events


@dataclass(frozen=True)
class ProgressOptions:
    base_url: str
    inactive_after_days: int = 14


@dataclass(frozen=True)
class Learner:
    """Who an enrolment's satisfied statements are issued for."""

    enrolment: Enrolled
    ifis: Sequence[str]
    persons: Sequence[int]


def plan_inputs(
    options: ProgressOptions,
    programme: Programme,
    inputs: LearnerInputs,
    writes: StateWrites,
    *,
    now: datetime,
    reconcile_all: bool = False,
) -> None:
    """Project one enrolment from all of `inputs` and note in `writes` what changed. `reconcile_all`
    (rebuild) checks the satisfied statements even when no satisfaction moved."""
    enrolment = inputs.enrolment
    key = (enrolment.learner_id, programme.id, enrolment.cohort_id)
    scope = LearnerScope(programme, programme.cohort(enrolment.cohort_id), emails_of(inputs.ifis), now)
    by_object = observations_by_object(inputs.observations)
    facts = learner_facts(scope, by_object)
    new = progress_from_facts(scope, facts, confidence_times(programme, by_object))
    state = StoredState(rows=inputs.old, row_ids=inputs.old_ids, facts=inputs.old_facts)
    for row in new:
        row_key = (row.kind, row.item_id)
        writes.row(key, state, row, encode_facts(facts[row_key]) if row_key in facts else None)
    current = {(row.kind, row.item_id) for row in new}
    writes.deletes += [row_id for item, row_id in inputs.old_ids.items() if item not in current]
    writes.reset_counted.append(key)
    writes.counted += [
        (key, o.statement_id) for o in inputs.observations if o.duration_ms and o.verb not in verbs.NOT_READ
    ]
    _plan_confidence(programme, key, inputs.observations, writes)
    learner = Learner(enrolment, inputs.ifis, inputs.persons)
    absent = marked_absent(programme, inputs.observations)
    plan_changes(options, programme, learner, (inputs.old, new), absent, writes, reconcile_all=reconcile_all)
    last = last_activity(inputs.observations)
    if last != inputs.last_activity_at or not inputs.old:
        writes.last_activity[key] = last
        writes.timers.append((Owner(*key), inactivity_since(scope.cohort, enrolment.enrolled_at, last)))


def plan_changes(
    options: ProgressOptions,
    programme: Programme,
    learner: Learner,
    rows: tuple[Mapping[ItemKey, ItemProgress], Sequence[ItemProgress]],
    absent: frozenset[str],
    writes: StateWrites,
    *,
    reconcile_all: bool = False,
) -> None:
    """Note the satisfied statements to reconcile if a satisfaction moved (or `reconcile_all`), and
    the transition events from the old rows to the new."""
    old, new = rows
    owner = Owner(learner.enrolment.learner_id, programme.id, learner.enrolment.cohort_id)
    if reconcile_all or satisfactions(old) != satisfactions(new):
        issuer = Issuer(owner, preferred_ifi(learner.ifis), learner.enrolment.registration, learner.persons)
        items = [
            SatisfiedItem(item, activity_iri(options.base_url, programme, item.kind, item.item_id))
            for item in new
            if item.kind in KINDS and item.satisfied_at is not None
        ]
        writes.satisfied.append((issuer, items))
    writes.events += transition_events(owner, old, new, absent)


async def flush_writes(
    session: AsyncSession, options: ProgressOptions, writes: StateWrites, *, now: datetime, publish: bool
) -> None:
    """Write everything `writes` collected: rows, answers, durations, last activity, timers, the
    satisfied statements, and (if `publish`) the transition events."""
    await write_states(session, writes)
    await arm_inactivity_timers(session, writes.timers, options.inactive_after_days)
    await reconcile_satisfied(session, writes.satisfied, base_url=options.base_url, now=now)
    if publish:
        await append_events(session, [(item.topic, item.to_payload()) for item in writes.events], now=now)


async def arm_inactivity_timers(
    session: AsyncSession, owners: Sequence[tuple[Owner, datetime]], days: int
) -> None:
    """(Re-)arm each enrolment's inactivity timer to `since + days` (bulk, in key order)."""
    timers = [
        (
            f"inactive:{owner.programme_id}:{owner.cohort_id}:{owner.learner_id}",
            InactivityDue(owner.programme_id, owner.cohort_id, owner.learner_id, since),
            since + timedelta(days=days),
        )
        for owner, since in sorted(owners, key=lambda entry: _owner_order(entry[0]))
    ]
    await arm_timers(session, timers)


def _owner_order(owner: Owner) -> tuple[int, str, str]:
    return owner.learner_id, owner.programme_id, owner.cohort_id


def activity_iri(base_url: str, programme: Programme, kind: str, item_id: str) -> str:
    """The object of a satisfied statement: the module's or block's activity, or the course IRI."""
    if kind == "module":
        return programme.module(item_id).activity_iri
    if kind == "block":
        block = programme.block(item_id)
        return block.activity_iri or block_iri(base_url, programme.id, item_id)
    return programme_iri(base_url, programme.id)


def satisfactions(items: Sequence[ItemProgress] | Mapping[ItemKey, ItemProgress]) -> dict[ItemKey, datetime]:
    values = items.values() if isinstance(items, Mapping) else items
    return {
        (item.kind, item.item_id): item.satisfied_at
        for item in values
        if item.kind in KINDS and item.satisfied_at is not None
    }


def _plan_confidence(
    programme: Programme, key: tuple[int, str, str], observations: list[Observation], writes: StateWrites
) -> None:
    """Both phases' answers are replaced (None: no answer any more)."""
    if programme.confidence is None:
        return
    for phase, iri in (
        ("pre", programme.confidence.pre_activity_iri),
        ("post", programme.confidence.post_activity_iri),
    ):
        answers = [o for o in observations if o.object_id == iri and o.verb not in verbs.NOT_READ]
        writes.answers[(key, phase)] = latest_observation(answers)


def emails_of(ifis: Sequence[str]) -> frozenset[str]:
    return frozenset(
        ifi.removeprefix("mbox:mailto:").lower() for ifi in ifis if ifi.startswith("mbox:mailto:")
    )
