"""What one learner's projection is computed from, loaded for one learner or for a whole programme.

The bulk path (`programme_inputs`) serves `programme.saved`: a fixed number of queries for the whole
programme (chunked by 500), so re-projecting 2,000 learners costs a few round trips, not 2,000 refreshes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.progress.observations import Observation, observation_from
from lrs.progress.projection import ItemProgress
from lrs.progress.store import ItemKey, lock_learners, record_from_row
from lrs.storage.models import Activity, Person, Statement, StatementActivity, StatementAgent
from lrs.storage.programme_models import CohortRow, EnrolmentRow, LearnerIdentityRow
from lrs.storage.progress_models import ProgressRecord

_CHUNK = 500


@dataclass(frozen=True)
class Enrolled:
    learner_id: int
    cohort_id: str
    enrolled_at: datetime
    registration: str


@dataclass(frozen=True)
class LearnerInputs:
    enrolment: Enrolled
    last_activity_at: datetime | None  # as stored (what the inactivity timer was armed from)
    ifis: list[str]
    persons: list[int]
    observations: list[Observation]
    old: dict[ItemKey, ItemProgress]
    old_facts: dict[ItemKey, str | None]  # the rows' stored facts (lrs.progress.facts)
    old_ids: dict[ItemKey, int]  # the rows' ids


def programme_activity_iris(programme: Programme) -> set[str]:
    iris = {m.activity_iri for m in programme.modules} | {s.activity_iri for s in programme.sessions}
    if programme.confidence is not None:
        iris |= {programme.confidence.pre_activity_iri, programme.confidence.post_activity_iri}
    return iris


async def enrolled_in_programme(
    session: AsyncSession,
    programme_id: str,
    learner_id: int | None = None,
    cohort_id: str | None = None,
    *,
    learner_ids: Sequence[int] | None = None,
) -> list[Enrolled]:
    """Current enrolments of the programme (or of one learner in one cohort, or of `learner_ids`),
    by learner and cohort."""
    query = (
        select(EnrolmentRow)
        .join(CohortRow, CohortRow.id == EnrolmentRow.cohort_id)
        .where(CohortRow.programme_id == programme_id, EnrolmentRow.status == "enrolled")
        .order_by(EnrolmentRow.learner_id, EnrolmentRow.cohort_id)
    )
    if learner_id is not None:
        query = query.where(EnrolmentRow.learner_id == learner_id, EnrolmentRow.cohort_id == cohort_id)
    if learner_ids is None:
        rows = list(await session.scalars(query))
    else:
        rows = []
        for start in range(0, len(learner_ids), _CHUNK):
            chunk = learner_ids[start : start + _CHUNK]
            rows += list(await session.scalars(query.where(EnrolmentRow.learner_id.in_(chunk))))
    return [Enrolled(row.learner_id, row.cohort_id, row.enrolled_at, row.registration) for row in rows]


async def programme_inputs(
    session: AsyncSession, programme: Programme, enrolments: Sequence[Enrolled]
) -> list[LearnerInputs]:
    """Lock the learners (in sorted order) and load everything their projections need, in bulk."""
    locked = await lock_learners(session, [(e.learner_id, programme.id, e.cohort_id) for e in enrolments])
    learner_ids = sorted({item.learner_id for item in enrolments})
    ifis = await identities_of(session, learner_ids)
    persons = await _persons(session, [ifi for found in ifis.values() for ifi in found])
    by_person = {
        person: learner for learner, found in ifis.items() for ifi in found if (person := persons.get(ifi))
    }
    observed = await _observations(session, sorted(by_person), programme_activity_iris(programme))
    per_learner: dict[int, dict[str, Observation]] = defaultdict(dict)
    for person_id, observation in observed:
        per_learner[by_person[person_id]][observation.statement_id] = observation
    old, old_facts, old_ids = await _records(session, programme.id, learner_ids)
    return [
        LearnerInputs(
            enrolment=item,
            last_activity_at=locked[(item.learner_id, programme.id, item.cohort_id)].last_activity_at,
            ifis=ifis.get(item.learner_id, []),
            persons=sorted(persons[ifi] for ifi in ifis.get(item.learner_id, []) if ifi in persons),
            observations=list(per_learner[item.learner_id].values()),
            old=old.get((item.learner_id, item.cohort_id), {}),
            old_facts=old_facts.get((item.learner_id, item.cohort_id), {}),
            old_ids=old_ids.get((item.learner_id, item.cohort_id), {}),
        )
        for item in enrolments
        if ifis.get(item.learner_id)
    ]


async def identities_of(session: AsyncSession, learner_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(learner_ids), _CHUNK):
        rows = await session.execute(
            select(LearnerIdentityRow.learner_id, LearnerIdentityRow.ifi).where(
                LearnerIdentityRow.learner_id.in_(learner_ids[start : start + _CHUNK])
            )
        )
        for learner_id, ifi in rows:
            found[learner_id].append(ifi)
    return {learner_id: sorted(ifis) for learner_id, ifis in found.items()}


async def person_ids_of(session: AsyncSession, ifis: dict[int, list[str]]) -> dict[int, list[int]]:
    """Each learner's `persons` rows (sorted), from their IFIs (`identities_of`)."""
    persons = await _persons(session, sorted({ifi for found in ifis.values() for ifi in found}))
    return {
        learner_id: sorted(persons[ifi] for ifi in found if ifi in persons)
        for learner_id, found in ifis.items()
    }


async def _persons(session: AsyncSession, ifis: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(ifis), _CHUNK):
        rows = await session.execute(
            select(Person.ifi, Person.id).where(Person.ifi.in_(ifis[start : start + _CHUNK]))
        )
        found.update({ifi: person_id for ifi, person_id in rows})
    return found


async def _observations(
    session: AsyncSession, person_ids: Sequence[int], activity_iris: Iterable[str]
) -> list[tuple[int, Observation]]:
    """(person, observation) for every non-voided statement where the person is the actor (or
    object) and one of the activities is the object."""
    iris = sorted(set(activity_iris))
    activity_ids: list[int] = []
    for start in range(0, len(iris), _CHUNK):
        chunk = iris[start : start + _CHUNK]
        activity_ids += list(await session.scalars(select(Activity.id).where(Activity.iri.in_(chunk))))
    if not activity_ids or not person_ids:
        return []
    found: list[tuple[int, Observation]] = []
    for start in range(0, len(person_ids), _CHUNK):
        rows = await session.execute(
            select(StatementAgent.person_id, Statement.body)
            .join(StatementAgent, StatementAgent.statement_pk == Statement.pk)
            .join(StatementActivity, StatementActivity.statement_pk == Statement.pk)
            .where(
                Statement.voided.is_(False),
                StatementAgent.person_id.in_(person_ids[start : start + _CHUNK]),
                StatementAgent.direct.is_(True),
                StatementActivity.activity_id.in_(activity_ids),
                StatementActivity.direct.is_(True),
            )
            .distinct()
        )
        for person_id, body in rows:
            if (observation := observation_from(json.loads(body))) is not None:
                found.append((person_id, observation))
    return found


Owned = dict[tuple[int, str], dict[ItemKey, ItemProgress]]
OwnedFacts = dict[tuple[int, str], dict[ItemKey, str | None]]
OwnedIds = dict[tuple[int, str], dict[ItemKey, int]]


async def _records(
    session: AsyncSession, programme_id: str, learner_ids: Sequence[int]
) -> tuple[Owned, OwnedFacts, OwnedIds]:
    found: Owned = defaultdict(dict)
    facts: OwnedFacts = defaultdict(dict)
    ids: OwnedIds = defaultdict(dict)
    for start in range(0, len(learner_ids), _CHUNK):
        rows = await session.scalars(
            select(ProgressRecord).where(
                ProgressRecord.programme_id == programme_id,
                ProgressRecord.learner_id.in_(learner_ids[start : start + _CHUNK]),
            )
        )
        for row in rows:
            found[(row.learner_id, row.cohort_id)][(row.item_kind, row.item_id)] = record_from_row(row)
            facts[(row.learner_id, row.cohort_id)][(row.item_kind, row.item_id)] = row.facts
            ids[(row.learner_id, row.cohort_id)][(row.item_kind, row.item_id)] = row.id
    return found, facts, ids
