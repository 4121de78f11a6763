"""`lrs progress show`: a cohort's progress as the projection holds it, readable without SQL.

One line per enrolled learner (programme status, items satisfied of the total, last activity), or,
for one learner, one line per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import NotFound
from lrs.storage.programme_models import CohortRow, EnrolmentRow, LearnerRow
from lrs.storage.progress_models import ProgressLearner, ProgressRecord


@dataclass(frozen=True)
class LearnerSummary:
    email: str
    name: str
    organisation_id: str
    status: str  # the programme item's status, "not_started" before anything is projected
    satisfied: int  # modules, sessions and blocks with their moveOn met (the programme item not counted)
    items: int
    last_activity_at: datetime | None


@dataclass(frozen=True)
class ItemSummary:
    kind: str
    item_id: str
    status: str
    completed_at: datetime | None
    satisfied_at: datetime | None
    score_scaled: float | None


async def cohort_summary(session: AsyncSession, cohort_id: str) -> list[LearnerSummary]:
    if await session.get(CohortRow, cohort_id) is None:
        raise NotFound(f"no cohort {cohort_id!r}")
    learners = (
        await session.execute(
            select(LearnerRow.id, LearnerRow.email, LearnerRow.name, LearnerRow.organisation_id)
            .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
            .where(EnrolmentRow.cohort_id == cohort_id, EnrolmentRow.status == "enrolled")
            .order_by(LearnerRow.name, LearnerRow.id)
        )
    ).all()
    records = await session.execute(
        select(
            ProgressRecord.learner_id,
            ProgressRecord.item_kind,
            ProgressRecord.status,
            ProgressRecord.satisfied_at.is_not(None),
        ).where(ProgressRecord.cohort_id == cohort_id)
    )
    by_learner: dict[int, list[tuple[str, str, bool]]] = {}
    for learner_id, kind, status, satisfied in records:
        by_learner.setdefault(learner_id, []).append((kind, status, bool(satisfied)))
    last_activity = await session.execute(
        select(ProgressLearner.learner_id, ProgressLearner.last_activity_at).where(
            ProgressLearner.cohort_id == cohort_id
        )
    )
    last = {learner_id: moment for learner_id, moment in last_activity}
    return [
        _learner_summary(email, name, organisation, by_learner.get(learner_id, []), last.get(learner_id))
        for learner_id, email, name, organisation in learners
    ]


def _learner_summary(
    email: str, name: str, organisation: str, items: list[tuple[str, str, bool]], last: datetime | None
) -> LearnerSummary:
    parts = [satisfied for kind, _status, satisfied in items if kind != "programme"]
    programme = next((status for kind, status, _ in items if kind == "programme"), "not_started")
    return LearnerSummary(email, name, organisation, programme, sum(parts), len(parts), last)


async def learner_items(session: AsyncSession, cohort_id: str, email: str) -> list[ItemSummary]:
    learner_id = await session.scalar(
        select(LearnerRow.id).where(LearnerRow.email_key == email.strip().lower())
    )
    if learner_id is None:
        raise NotFound(f"no learner with work email {email!r}")
    rows = await session.scalars(
        select(ProgressRecord)
        .where(ProgressRecord.cohort_id == cohort_id, ProgressRecord.learner_id == learner_id)
        .order_by(ProgressRecord.item_kind, ProgressRecord.item_id)
    )
    return [
        ItemSummary(
            row.item_kind, row.item_id, row.status, row.completed_at, row.satisfied_at, row.score_scaled
        )
        for row in rows
    ]
