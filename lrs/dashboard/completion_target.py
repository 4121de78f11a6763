"""The overview's cumulative completion against the programme's own target curve.

Milestones come from the programme: each module falls due on its `due` date (the cohort start plus
the module's `due` period) or, without one, on the cohort's end date; each of the cohort's sessions
falls due on the day it ends. On a given day:
- target: the share of the milestones due by then (the same for every learner), a step curve that
  rises as modules and sessions fall due;
- completed: the share of (enrolled learner x milestone) finished by then: a module completed,
  passed or satisfied, a session attended or waived (finished on its completion, satisfaction or last
  activity time, whichever the projection has first).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.scope import CohortScope
from lrs.programme.model import CalendarPeriod
from lrs.storage.programme_models import ModuleRow, SessionRow
from lrs.storage.progress_models import ProgressRecord

FINISHED = ("completed", "passed", "satisfied", "attended", "waived")
Milestone = tuple[str, str]  # (item kind, item id)


async def milestones(session: AsyncSession, scope: CohortScope) -> dict[Milestone, date]:
    """Every module and session of the cohort, with the day it falls due."""
    start, end = scope.cohort.start_date, scope.cohort.end_date
    due: dict[Milestone, date] = {}
    modules = await session.execute(
        select(ModuleRow.module_id, ModuleRow.due).where(ModuleRow.programme_id == scope.cohort.programme_id)
    )
    for module_id, period in modules:
        due["module", module_id] = CalendarPeriod.parse(period).after(start) if period else end
    sessions = await session.execute(
        select(SessionRow.session_id, SessionRow.end_at).where(SessionRow.cohort_id == scope.cohort.id)
    )
    for session_id, end_at in sessions:
        due["session", session_id] = end_at.date()
    return due


async def finished_days(
    session: AsyncSession, scope: CohortScope, learners: Select[tuple[int]], wanted: set[Milestone]
) -> list[date]:
    """The day each (learner, milestone) was finished, for the learners in view."""
    record = ProgressRecord
    finished_at = func.coalesce(record.completed_at, record.satisfied_at, record.last_activity_at)
    rows = await session.execute(
        select(record.item_kind, record.item_id, finished_at.label("finished_at"))
        .where(record.cohort_id == scope.cohort.id, record.item_kind.in_(("module", "session")))
        .where(record.status.in_(FINISHED))
        .where(record.learner_id.in_(learners))
    )
    return sorted(
        _day(moment) for kind, item_id, moment in rows if (kind, item_id) in wanted and moment is not None
    )


def curve_days(start: date, end: date, today: date, due: dict[Milestone, date]) -> list[date]:
    """Weekly from the cohort start, plus each milestone day, up to the cohort end (or today)."""
    last = min(end, max(today, start))
    days = {start + timedelta(days=7 * week) for week in range((last - start).days // 7 + 1)}
    days |= {day for day in due.values() if start <= day <= last}
    return sorted(days | {last})


def _day(moment: datetime | date | str) -> date:
    if isinstance(moment, datetime):
        return moment.date()
    if isinstance(moment, date):
        return moment
    return date.fromisoformat(str(moment)[:10])  # SQLite's coalesce hands back the stored text
