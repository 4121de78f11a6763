"""Programme overview figures for one cohort, within a viewer's scope: the funnel by module, completion
over time against the programme's target curve, attendance per session, councils ranked by completion and the
pre/post digital-confidence change. Each is a handful of grouped queries over the projection.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.completion_target import curve_days, finished_days, milestones
from lrs.dashboard.scope import CohortScope
from lrs.storage.programme_models import EnrolmentRow, LearnerRow, ModuleRow, OrganisationRow, SessionRow
from lrs.storage.progress_models import ConfidenceResult, ProgressRecord

STARTED = ("in_progress", "completed", "passed", "failed", "satisfied")
COMPLETED = ("completed", "passed", "satisfied")


@dataclass(frozen=True)
class FunnelStep:
    title: str
    enrolled: int
    started: int
    completed: int
    satisfied: int


@dataclass(frozen=True)
class Rate:
    label: str
    count: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class CompletionPoint:
    day: date
    completed_percent: float
    target_percent: float


@dataclass(frozen=True)
class ConfidenceChange:
    answered_both: int
    pre_mean: float | None
    post_mean: float | None


@dataclass(frozen=True)
class CohortOverview:
    enrolled: int
    funnel: tuple[FunnelStep, ...]
    completion: tuple[CompletionPoint, ...]
    attendance: tuple[Rate, ...]
    councils: tuple[Rate, ...]
    confidence: ConfidenceChange


def _learners(scope: CohortScope):  # type: ignore[no-untyped-def]
    return (
        select(LearnerRow.id)
        .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
        .where(EnrolmentRow.cohort_id == scope.cohort.id, EnrolmentRow.status == "enrolled")
        .where(scope.learner_filter())
    )


async def cohort_overview(session: AsyncSession, scope: CohortScope, *, today: date) -> CohortOverview:
    enrolled = int(await session.scalar(select(func.count()).select_from(_learners(scope).subquery())) or 0)
    return CohortOverview(
        enrolled=enrolled,
        funnel=await _funnel(session, scope, enrolled),
        completion=await _completion(session, scope, enrolled, today),
        attendance=await _attendance(session, scope, enrolled),
        councils=await _councils(session, scope),
        confidence=await _confidence(session, scope),
    )


def _counts_by_item(scope: CohortScope, kind: str):  # type: ignore[no-untyped-def]
    record = ProgressRecord
    return (
        select(
            record.item_id,
            func.sum(case((record.status.in_(STARTED), 1), else_=0)),
            func.sum(case((record.status.in_(COMPLETED), 1), else_=0)),
            func.sum(case((record.satisfied_at.is_not(None), 1), else_=0)),
        )
        .where(record.cohort_id == scope.cohort.id, record.item_kind == kind)
        .where(record.learner_id.in_(_learners(scope)))
        .group_by(record.item_id)
    )


async def _funnel(session: AsyncSession, scope: CohortScope, enrolled: int) -> tuple[FunnelStep, ...]:
    counts = {row[0]: row[1:] for row in await session.execute(_counts_by_item(scope, "module"))}
    modules = await session.execute(
        select(ModuleRow.module_id, ModuleRow.title)
        .where(ModuleRow.programme_id == scope.cohort.programme_id)
        .order_by(ModuleRow.pk)
    )
    steps = []
    for module_id, title in modules:
        started, completed, satisfied = (int(value or 0) for value in counts.get(module_id, (0, 0, 0)))
        steps.append(FunnelStep(title, enrolled, started, completed, satisfied))
    return tuple(steps)


async def _attendance(session: AsyncSession, scope: CohortScope, enrolled: int) -> tuple[Rate, ...]:
    attended = dict(
        (
            await session.execute(
                select(ProgressRecord.item_id, func.count())
                .where(ProgressRecord.cohort_id == scope.cohort.id, ProgressRecord.item_kind == "session")
                .where(ProgressRecord.status.in_(("attended", "waived")))
                .where(ProgressRecord.learner_id.in_(_learners(scope)))
                .group_by(ProgressRecord.item_id)
            )
        ).all()
    )
    sessions = await session.execute(
        select(SessionRow.session_id, SessionRow.title)
        .where(SessionRow.cohort_id == scope.cohort.id)
        .order_by(SessionRow.start_at)
    )
    return tuple(Rate(title, int(attended.get(session_id, 0)), enrolled) for session_id, title in sessions)


async def _councils(session: AsyncSession, scope: CohortScope) -> tuple[Rate, ...]:
    done = func.sum(case((ProgressRecord.status.in_(COMPLETED), 1), else_=0))
    rows = await session.execute(
        select(OrganisationRow.name, func.count(LearnerRow.id), done)
        .join(LearnerRow, LearnerRow.organisation_id == OrganisationRow.id)
        .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
        .outerjoin(
            ProgressRecord,
            (ProgressRecord.learner_id == LearnerRow.id)
            & (ProgressRecord.cohort_id == scope.cohort.id)
            & (ProgressRecord.item_kind == "programme"),
        )
        .where(EnrolmentRow.cohort_id == scope.cohort.id, EnrolmentRow.status == "enrolled")
        .where(scope.learner_filter())
        .group_by(OrganisationRow.name)
    )
    rates = [Rate(name, int(completed or 0), int(total)) for name, total, completed in rows]
    return tuple(sorted(rates, key=lambda rate: (-rate.percent, rate.label)))


async def _completion(
    session: AsyncSession, scope: CohortScope, enrolled: int, today: date
) -> tuple[CompletionPoint, ...]:
    """Cumulative completion of the programme's modules and sessions against its target curve (the
    share of them due by each day): see lrs.dashboard.completion_target."""
    due = await milestones(session, scope)
    finished = await finished_days(session, scope, _learners(scope), set(due))
    due_days = sorted(due.values())
    start, end = scope.cohort.start_date, scope.cohort.end_date
    work = enrolled * len(due)
    points = []
    for day in curve_days(start, end, today, due):
        done = bisect_right(finished, day)
        target = 100.0 * bisect_right(due_days, day) / len(due) if due else 0.0
        points.append(CompletionPoint(day, 100.0 * done / work if work else 0.0, target))
    return tuple(points)


async def _confidence(session: AsyncSession, scope: CohortScope) -> ConfidenceChange:
    rows = await session.execute(
        select(ConfidenceResult.learner_id, ConfidenceResult.phase, ConfidenceResult.score_raw)
        .where(ConfidenceResult.cohort_id == scope.cohort.id)
        .where(ConfidenceResult.learner_id.in_(_learners(scope)))
    )
    answers: dict[int, dict[str, float]] = {}
    for learner_id, phase, raw in rows:
        if raw is not None:
            answers.setdefault(learner_id, {})[phase] = raw
    both = [found for found in answers.values() if "pre" in found and "post" in found]
    if not both:
        return ConfidenceChange(0, None, None)
    return ConfidenceChange(
        len(both),
        sum(item["pre"] for item in both) / len(both),
        sum(item["post"] for item in both) / len(both),
    )
