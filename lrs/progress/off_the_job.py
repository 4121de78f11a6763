"""Off-the-job training hours (apprenticeship-funded programmes with `[off_the_job]`), from the
projection, with the evidence behind each figure.

Per item: a satisfied module counts its configured hours; a module without configured hours counts
the e-learning time its statements recorded (`result.duration`, summed by the projection); an attended
session counts its configured hours (by id, else by kind), else its scheduled length. Blocks and the
programme add nothing of their own; the programme's figure is the learner's total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.storage.programme_models import CohortRow, LearnerRow
from lrs.storage.progress_models import ProgressRecord

MS_PER_HOUR = 3_600_000


@dataclass(frozen=True)
class ItemState:
    kind: str  # module | session | block | programme
    item_id: str
    status: str
    satisfied_at: datetime | None
    time_spent_ms: int


@dataclass(frozen=True)
class HoursEvidence:
    kind: str
    item_id: str
    hours: float
    basis: str  # configured hours | e-learning time recorded | session attended (...)
    at: datetime | None


@dataclass(frozen=True)
class OffTheJobHours:
    total: float
    minimum: float
    evidence: tuple[HoursEvidence, ...]

    @property
    def met(self) -> bool:
        return self.total >= self.minimum


def item_hours(programme: Programme, item: ItemState) -> HoursEvidence | None:
    """The hours one item contributes, with why; None when it contributes nothing."""
    plan = programme.off_the_job
    if plan is None:
        return None
    if item.kind == "module":
        if item.item_id in plan.module_hours:
            if item.satisfied_at is None:
                return None
            hours = plan.hours_for_module(item.item_id)
            return HoursEvidence(
                item.kind, item.item_id, hours, "configured hours, module satisfied", item.satisfied_at
            )
        if item.time_spent_ms > 0:
            hours = round(item.time_spent_ms / MS_PER_HOUR, 2)
            return HoursEvidence(
                item.kind, item.item_id, hours, "e-learning time recorded in statements", None
            )
        return None
    if item.kind == "session" and item.status == "attended":
        session = next((s for s in programme.sessions if s.id == item.item_id), None)
        if session is None:
            return None
        configured = plan.hours_for_session(session)
        if configured > 0:
            return HoursEvidence(
                item.kind, item.item_id, configured, "configured hours, session attended", item.satisfied_at
            )
        length = round((session.end - session.start).total_seconds() / 3600, 2)
        return HoursEvidence(
            item.kind, item.item_id, length, "scheduled length, session attended", item.satisfied_at
        )
    return None


def learner_hours(programme: Programme, items: Iterable[ItemState]) -> OffTheJobHours | None:
    if programme.off_the_job is None:
        return None
    evidence = tuple(found for item in items if (found := item_hours(programme, item)) is not None)
    total = round(sum(item.hours for item in evidence), 2)
    return OffTheJobHours(total, programme.off_the_job.minimum_hours, evidence)


async def stored_items(session: AsyncSession, learner_id: int, cohort_id: str) -> list[ItemState]:
    found = await stored_items_of(session, [(learner_id, cohort_id)])
    return found.get((learner_id, cohort_id), [])


async def stored_items_of(
    session: AsyncSession, owners: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], list[ItemState]]:
    """The projected items of each (learner id, cohort id), from one query."""
    wanted = set(owners)
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            ProgressRecord.learner_id,
            ProgressRecord.cohort_id,
            ProgressRecord.item_kind,
            ProgressRecord.item_id,
            ProgressRecord.status,
            ProgressRecord.satisfied_at,
            ProgressRecord.time_spent_ms,
        ).where(ProgressRecord.learner_id.in_(sorted({learner_id for learner_id, _ in wanted})))
    )
    items: dict[tuple[int, str], list[ItemState]] = {}
    for learner_id, cohort_id, kind, item_id, status, satisfied, spent in rows:
        if (learner_id, cohort_id) in wanted:
            items.setdefault((learner_id, cohort_id), []).append(
                ItemState(kind, item_id, status, satisfied, spent or 0)
            )
    return items


async def learner_off_the_job(session: AsyncSession, cohort_id: str, email: str) -> OffTheJobHours | None:
    """The learner's hours in the cohort's programme; None when it has no `[off_the_job]`."""
    cohort = await session.get(CohortRow, cohort_id)
    learner_id = await session.scalar(
        select(LearnerRow.id).where(LearnerRow.email_key == email.strip().lower())
    )
    if cohort is None or learner_id is None:
        return None
    programme = await stored_programme(session, cohort.programme_id)
    return learner_hours(programme, await stored_items(session, learner_id, cohort_id))
