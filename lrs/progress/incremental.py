"""Project a group's new statements set-wise: fold each into the stored facts of the items it is about.

For the enrolments a batch of `statement.stored` events concerns, everything is read in one query per
table (statements, enrolments, identities, progress rows with their facts, confidence answers, counted
durations), each enrolment's rows are recomputed from its stored facts plus the new observations
(lrs.progress.facts), and what changed is written in bulk, sorted by key. The cost of a statement is
that of the items it changes, not of the learner's history. The result is the one a full
recomputation gives (the live-versus-rebuild tests hold it to that); an enrolment whose stored state
cannot be folded into (no rows yet, rows from before facts were kept, a definition the rows do not
match) is recomputed in full instead, in bulk with the others (`Folded.recompute`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Module, Programme, Session
from lrs.progress.facts import ItemFacts, decode_facts, encode_facts, fold_module, fold_session
from lrs.progress.inputs import Enrolled, identities_of, person_ids_of
from lrs.progress.observations import Observation, observation_from
from lrs.progress.projection import (
    MODULE,
    SESSION,
    ItemProgress,
    LearnerScope,
    inactivity_since,
    last_activity,
    latest_observation,
    learner_sessions,
    progress_from_facts,
)
from lrs.progress.reproject import Learner, ProgressOptions, emails_of, flush_writes, plan_changes
from lrs.progress.state import StateWrites, StoredState, load_states
from lrs.progress.store import LearnerKey, lock_learners
from lrs.progress.transitions import Owner
from lrs.storage.models import Statement

ItemKey = tuple[str, str]


@dataclass(frozen=True)
class Target:
    """One enrolment a batch of statements is about, with the programme it is in."""

    key: LearnerKey
    enrolment: Enrolled
    programme: Programme


@dataclass
class Folded:
    """What folding a batch did: the enrolments that need a full recomputation instead."""

    recompute: list[Target] = field(default_factory=list)


async def new_observations(session: AsyncSession, statement_ids: Sequence[str]) -> dict[str, Observation]:
    """The observations in these statements, voided ones left out (one query per 500)."""
    found: dict[str, Observation] = {}
    ordered = sorted(set(statement_ids))
    for start in range(0, len(ordered), 500):
        rows = await session.execute(
            select(Statement.statement_id, Statement.body).where(
                Statement.statement_id.in_(ordered[start : start + 500]), Statement.voided.is_(False)
            )
        )
        for statement_id, body in rows:
            if (observation := observation_from(json.loads(body))) is not None:
                found[statement_id] = observation
    return found


async def fold_statements(
    session: AsyncSession,
    options: ProgressOptions,
    targets: dict[LearnerKey, tuple[Target, list[Observation]]],
    *,
    now: datetime,
) -> Folded:
    """Apply each target enrolment's new observations to its stored state, in bulk."""
    folded = Folded()
    if not targets:
        return folded
    keys = sorted(targets)
    locked = await lock_learners(session, keys)
    timed = [(key, o.statement_id) for key, (_, found) in targets.items() for o in found if o.duration_ms]
    states = await load_states(session, keys, timed)
    ifis = await identities_of(session, sorted({key[0] for key in keys}))
    persons = await person_ids_of(session, ifis)
    writes = StateWrites()
    for key in keys:
        target, observations = targets[key]
        scope = LearnerScope(
            target.programme, target.programme.cohort(key[2]), emails_of(ifis.get(key[0], [])), now
        )
        state = states[key]
        facts = _stored_facts(scope, state)
        if facts is None:
            folded.recompute.append(target)
            continue
        stored_last = locked[key].last_activity_at
        new, absent = _fold_one(scope, state, facts, observations, writes, key)
        learner = Learner(target.enrolment, ifis.get(key[0], []), persons.get(key[0], []))
        plan_changes(options, target.programme, learner, (state.rows, new), absent, writes)
        last = max([m for m in (stored_last, last_activity(observations)) if m is not None], default=None)
        if last != stored_last:
            writes.last_activity[key] = last
            since = inactivity_since(scope.cohort, target.enrolment.enrolled_at, last)
            writes.timers.append((Owner(*key), since))
    await flush_writes(session, options, writes, now=now, publish=True)
    return folded


def _stored_facts(scope: LearnerScope, state: StoredState) -> dict[ItemKey, ItemFacts] | None:
    """The facts of every module and of the learner's sessions, or None if any are missing."""
    wanted = [(MODULE, module.id) for module in scope.programme.modules]
    wanted += [(SESSION, item.id) for item in learner_sessions(scope)]
    stored_items = {key for key in state.rows if key[0] in (MODULE, SESSION)}
    if stored_items != set(wanted):
        return None
    found: dict[ItemKey, ItemFacts] = {}
    for item in wanted:
        text = state.facts.get(item)
        if text is None:
            return None
        found[item] = decode_facts(text)
    return found


def _fold_one(
    scope: LearnerScope,
    state: StoredState,
    facts: dict[ItemKey, ItemFacts],
    observations: list[Observation],
    writes: StateWrites,
    key: LearnerKey,
) -> tuple[list[ItemProgress], frozenset[str]]:
    """The enrolment's new rows (changes noted in `writes`) and the sessions it was marked absent from."""
    programme = scope.programme
    modules: dict[str, list[Module]] = defaultdict(list)
    for module in programme.modules:
        modules[module.activity_iri].append(module)
    sessions: dict[str, list[Session]] = defaultdict(list)
    for item in learner_sessions(scope):
        sessions[item.activity_iri].append(item)
    stored = dict(facts)  # what the rows hold: an item no observation changed keeps its stored text
    for observation in sorted(observations, key=lambda o: o.statement_id):
        if observation.duration_ms:
            if observation.statement_id in state.counted:
                observation = replace(observation, duration_ms=0)  # already in the sums
            else:
                state.counted.add(observation.statement_id)
                writes.counted.append((key, observation.statement_id))
        for module in modules.get(observation.object_id, []):
            facts[(MODULE, module.id)] = fold_module(facts[(MODULE, module.id)], module, observation)
        for item in sessions.get(observation.object_id, []):
            facts[(SESSION, item.id)] = fold_session(facts[(SESSION, item.id)], observation)
    confidence = _fold_answers(programme, state, observations, writes, key)
    unchanged = {
        item_id: row
        for (kind, item_id), row in state.rows.items()
        if kind == MODULE and facts[(kind, item_id)] is stored[(kind, item_id)]
    }
    new = progress_from_facts(scope, facts, confidence, unchanged_modules=unchanged)
    for row in new:
        row_key = (row.kind, row.item_id)
        writes.row(key, state, row, _facts_text(state, stored, facts, row_key))
    current = {(row.kind, row.item_id) for row in new}
    writes.deletes += [state.row_ids[k] for k in state.rows if k not in current]
    absent = frozenset(i for (kind, i), value in facts.items() if kind == SESSION and value.absent_marked)
    return new, absent


def _facts_text(
    state: StoredState, stored: dict[ItemKey, ItemFacts], facts: dict[ItemKey, ItemFacts], key: ItemKey
) -> str | None:
    """The text to store for an item's facts: the stored text when folding left them as they were."""
    if key not in facts:
        return None
    if key in stored and facts[key] is stored[key]:
        return state.facts[key]
    return encode_facts(facts[key])


def _fold_answers(
    programme: Programme,
    state: StoredState,
    observations: list[Observation],
    writes: StateWrites,
    key: LearnerKey,
) -> list[datetime]:
    """The latest pre/post confidence answers with the new ones; changed answers are written."""
    if programme.confidence is None:
        return []
    times: list[datetime] = []
    for phase, iri in (
        ("pre", programme.confidence.pre_activity_iri),
        ("post", programme.confidence.post_activity_iri),
    ):
        stored = state.answers.get(phase)
        candidates = [o for o in observations if o.object_id == iri]
        latest = latest_observation([*candidates, *([stored] if stored is not None else [])])
        if latest is not None and latest is not stored:
            writes.answers[(key, phase)] = latest
        if latest is not None:
            times.append(latest.timestamp)
    return times
