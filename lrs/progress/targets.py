"""Which enrolments a group's events concern, found set-wise (a fixed number of queries per group)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import NotFound
from lrs.events.types import StatementStored
from lrs.programme.model import Programme
from lrs.programme.queries import enrolments_of, learner_by_ifi
from lrs.programme.store import stored_programme
from lrs.progress import verbs
from lrs.progress.incremental import Target, new_observations
from lrs.progress.inputs import Enrolled, programme_activity_iris
from lrs.progress.observations import Observation
from lrs.progress.store import LearnerKey
from lrs.storage.models import Person, Statement
from lrs.storage.programme_models import CohortRow, EnrolmentRow, LearnerIdentityRow
from lrs.storage.statements import hydrate_bodies
from lrs.xapi.agents import agent_ifi

_CHUNK = 500
Targets = dict[LearnerKey, tuple[Target, list[Observation]]]


class Programmes:
    """The stored programmes a group needs, each read once (None: no longer stored)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._found: dict[str, tuple[Programme, set[str]] | None] = {}

    async def get(self, programme_id: str) -> tuple[Programme, set[str]] | None:
        """The programme and its activity IRIs."""
        if programme_id not in self._found:
            try:
                programme = await stored_programme(self.session, programme_id)
                self._found[programme_id] = (programme, programme_activity_iris(programme))
            except NotFound:
                self._found[programme_id] = None
        return self._found[programme_id]


async def statement_targets(session: AsyncSession, events: Sequence[StatementStored]) -> Targets:
    """For events naming their actor's person: each enrolment (current, in a programme whose
    activities include the statement's object) with its new observations."""
    observations = await new_observations(session, [event.statement_id for event in events])
    persons = sorted({event.actor_person for event in events if event.actor_person is not None})
    by_person = await _enrolments_of_persons(session, persons)
    programmes = Programmes(session)
    targets: Targets = {}
    for event in events:
        observation = observations.get(event.statement_id)
        if observation is None or event.actor_person is None:
            continue
        for programme_id, enrolment in by_person.get(event.actor_person, []):
            found = await programmes.get(programme_id)
            if found is None or observation.object_id not in found[1]:
                continue
            key = (enrolment.learner_id, programme_id, enrolment.cohort_id)
            entry = targets.setdefault(key, (Target(key, enrolment, found[0]), []))
            if all(seen.statement_id != observation.statement_id for seen in entry[1]):
                entry[1].append(observation)
    return targets


async def _enrolments_of_persons(
    session: AsyncSession, persons: Sequence[int]
) -> dict[int, list[tuple[str, Enrolled]]]:
    """Each person's current enrolments, as (programme id, enrolment), in enrolment order."""
    found: dict[int, list[tuple[str, Enrolled]]] = {}
    for start in range(0, len(persons), _CHUNK):
        rows = await session.execute(
            select(Person.id, CohortRow.programme_id, EnrolmentRow)
            .join(LearnerIdentityRow, LearnerIdentityRow.ifi == Person.ifi)
            .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerIdentityRow.learner_id)
            .join(CohortRow, CohortRow.id == EnrolmentRow.cohort_id)
            .where(Person.id.in_(persons[start : start + _CHUNK]), EnrolmentRow.status == "enrolled")
            .order_by(EnrolmentRow.enrolled_at, EnrolmentRow.id)
        )
        for person_id, programme_id, row in rows:
            enrolled = Enrolled(row.learner_id, row.cohort_id, row.enrolled_at, row.registration)
            found.setdefault(person_id, []).append((programme_id, enrolled))
    return found


async def actor_targets(
    session: AsyncSession, statements: Iterable[tuple[str, str | None]]
) -> list[LearnerKey]:
    """The enrolments of each statement's actor (read from the stored statement) whose programme
    uses its object (or `object_id` when given): events from earlier releases, and voided
    statements, whose events do not name the actor."""
    programmes = Programmes(session)
    found: set[LearnerKey] = set()
    for statement_id, object_id in statements:
        body = await session.scalar(select(Statement.body).where(Statement.statement_id == statement_id))
        if body is None:
            continue
        statement = (await hydrate_bodies(session, {statement_id: json.loads(body)}))[statement_id]
        if (statement.get("verb") or {}).get("id") in verbs.NOT_READ:
            continue  # the LRS voiding its own satisfied statement: nothing the projection reads
        ifi = agent_ifi(statement.get("actor") or {})
        learner = None if ifi is None else await learner_by_ifi(session, ifi)
        if learner is None:
            continue
        target = object_id or (statement.get("object") or {}).get("id")
        for enrolment in await enrolments_of(session, learner.id):
            programme = await programmes.get(enrolment.programme_id)
            if enrolment.status != "enrolled" or programme is None or target not in programme[1]:
                continue
            found.add((enrolment.learner_id, enrolment.programme_id, enrolment.cohort_id))
    return sorted(found)
