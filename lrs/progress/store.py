"""Database side of the projection: the learner lock, the learner's statements, progress rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.progress.observations import Observation, observation_from
from lrs.progress.projection import ItemProgress
from lrs.storage.base import insert_ignoring_conflicts
from lrs.storage.models import Activity, Person, Statement, StatementActivity, StatementAgent
from lrs.storage.progress_models import ConfidenceResult, ProgressLearner, ProgressRecord

ItemKey = tuple[str, str]  # (kind, item id)
_CHUNK = 500


async def lock_learner(
    session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str
) -> ProgressLearner:
    """Take the learner's progress lock (a row lock on PostgreSQL; SQLite has one writer anyway), so
    two workers never compute one learner's transitions from the same old state."""
    key = {"learner_id": learner_id, "programme_id": programme_id, "cohort_id": cohort_id}
    dialect = session.get_bind().dialect.name
    await session.execute(insert_ignoring_conflicts(dialect, ProgressLearner), [key])
    found = await session.execute(
        select(ProgressLearner).filter_by(**key).with_for_update().execution_options(populate_existing=True)
    )
    return found.scalar_one()


async def set_last_activity(session: AsyncSession, learner: ProgressLearner, moment: datetime | None) -> None:
    await session.execute(
        update(ProgressLearner)
        .filter_by(
            learner_id=learner.learner_id, programme_id=learner.programme_id, cohort_id=learner.cohort_id
        )
        .values(last_activity_at=moment)
    )


async def learner_observations(
    session: AsyncSession, ifis: Sequence[str], activity_iris: Iterable[str]
) -> list[Observation]:
    """Every non-voided statement where one of `ifis` is the actor (or object) and one of the
    activities is the object."""
    persons = list(await session.scalars(select(Person.id).where(Person.ifi.in_(list(ifis)))))
    iris = sorted(set(activity_iris))
    if not persons or not iris:
        return []
    activity_ids: list[int] = []
    for start in range(0, len(iris), _CHUNK):
        chunk = iris[start : start + _CHUNK]
        activity_ids += list(await session.scalars(select(Activity.id).where(Activity.iri.in_(chunk))))
    if not activity_ids:
        return []
    rows = await session.scalars(
        select(Statement.body)
        .join(StatementAgent, StatementAgent.statement_pk == Statement.pk)
        .join(StatementActivity, StatementActivity.statement_pk == Statement.pk)
        .where(
            Statement.voided.is_(False),
            StatementAgent.person_id.in_(persons),
            StatementAgent.direct.is_(True),
            StatementActivity.activity_id.in_(activity_ids),
            StatementActivity.direct.is_(True),
        )
        .distinct()
    )
    found = (observation_from(json.loads(body)) for body in rows)
    return [item for item in found if item is not None]


async def drop_projection(session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str) -> None:
    """Remove one enrolment's progress rows and confidence answers (the learner left the cohort)."""
    owner = {"learner_id": learner_id, "programme_id": programme_id, "cohort_id": cohort_id}
    await session.execute(delete(ProgressRecord).filter_by(**owner))
    await session.execute(delete(ConfidenceResult).filter_by(**owner))


async def load_records(
    session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str
) -> dict[ItemKey, ItemProgress]:
    rows = await session.scalars(
        select(ProgressRecord).filter_by(
            learner_id=learner_id, programme_id=programme_id, cohort_id=cohort_id
        )
    )
    return {(row.item_kind, row.item_id): _progress(row) for row in rows}


async def save_records(
    session: AsyncSession,
    learner_id: int,
    programme_id: str,
    cohort_id: str,
    old: Mapping[ItemKey, ItemProgress],
    new: Sequence[ItemProgress],
) -> None:
    """Write the rows that changed, add new ones, drop items the programme no longer has."""
    owner = {"learner_id": learner_id, "programme_id": programme_id, "cohort_id": cohort_id}
    current = {(item.kind, item.item_id): item for item in new}
    for key in sorted(set(old) - set(current)):
        await session.execute(delete(ProgressRecord).filter_by(**owner, item_kind=key[0], item_id=key[1]))
    for key, item in sorted(current.items()):
        values = _values(item)
        if key not in old:
            session.add(ProgressRecord(**owner, item_kind=key[0], item_id=key[1], **values))
        elif old[key] != item:
            await session.execute(
                update(ProgressRecord).filter_by(**owner, item_kind=key[0], item_id=key[1]).values(**values)
            )
    await session.flush()


async def save_confidence(
    session: AsyncSession,
    learner_id: int,
    programme_id: str,
    cohort_id: str,
    answers: Mapping[str, Observation | None],
) -> None:
    """Replace the learner's pre/post confidence rows with `answers` (phase -> latest answer)."""
    owner = {"learner_id": learner_id, "programme_id": programme_id, "cohort_id": cohort_id}
    await session.execute(delete(ConfidenceResult).filter_by(**owner))
    for phase, answer in sorted(answers.items()):
        if answer is not None:
            session.add(
                ConfidenceResult(
                    **owner,
                    phase=phase,
                    score_raw=answer.score_raw,
                    score_scaled=answer.score_scaled,
                    statement_id=answer.statement_id,
                    recorded_at=answer.timestamp,
                )
            )
    await session.flush()


def _values(item: ItemProgress) -> dict[str, object]:
    values = asdict(item)
    values.pop("kind")
    values.pop("item_id")
    return values


def _progress(row: ProgressRecord) -> ItemProgress:
    return ItemProgress(
        kind=row.item_kind,
        item_id=row.item_id,
        status=row.status,
        first_activity_at=row.first_activity_at,
        last_activity_at=row.last_activity_at,
        completed_at=row.completed_at,
        satisfied_at=row.satisfied_at,
        score_scaled=row.score_scaled,
        time_spent_ms=row.time_spent_ms,
    )
