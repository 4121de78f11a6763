"""The cohort page's roster: each visible learner's progress across items, and why they are at risk.

Four queries whatever the cohort's size (learners, progress rows, last activity, the cohort's items),
so the page's cost grows with the roster, never with the learners' statement history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.risks import Risk
from lrs.dashboard.scope import CohortScope
from lrs.errors import InvalidRequest
from lrs.programme.model import CalendarPeriod
from lrs.storage.programme_models import EnrolmentRow, LearnerRow, ModuleRow, OrganisationRow, SessionRow
from lrs.storage.progress_models import ProgressLearner, ProgressRecord

INACTIVE_DAYS = 14  # the default; the page uses notifications.inactive_after_days, like the worker
DONE = frozenset({"completed", "passed", "satisfied", "attended", "waived"})
SORT_KEYS = ("name", "organisation", "progress", "last_activity", "risk")


@dataclass(frozen=True)
class Item:
    kind: str  # module | session
    item_id: str
    title: str
    due: datetime | None  # a module's due date, a session's end


@dataclass(frozen=True)
class RosterLine:
    learner_id: int
    name: str
    email: str
    organisation: str
    statuses: tuple[str, ...]  # one per Item, in the roster's item order
    done: int
    last_activity_at: datetime | None
    risks: tuple[Risk, ...]


@dataclass(frozen=True)
class Roster:
    items: tuple[Item, ...]
    lines: tuple[RosterLine, ...]


async def cohort_roster(
    session: AsyncSession, scope: CohortScope, *, now: datetime, inactive_days: int = INACTIVE_DAYS
) -> Roster:
    items = await _items(session, scope)
    learners = (
        await session.execute(
            select(
                LearnerRow.id,
                LearnerRow.name,
                LearnerRow.email,
                OrganisationRow.name,
                EnrolmentRow.enrolled_at,
            )
            .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
            .join(OrganisationRow, OrganisationRow.id == LearnerRow.organisation_id)
            .where(EnrolmentRow.cohort_id == scope.cohort.id, EnrolmentRow.status == "enrolled")
            .where(scope.learner_filter())
        )
    ).all()
    statuses = await _statuses(session, scope.cohort.id)
    last_seen = await _last_seen(session, scope.cohort.id)
    start = datetime.combine(scope.cohort.start_date, datetime.min.time(), UTC)
    lines = []
    for learner_id, name, email, organisation, enrolled_at in learners:
        found = statuses.get(learner_id, {})
        line_statuses = tuple(found.get((item.kind, item.item_id), "not_started") for item in items)
        last = last_seen.get(learner_id)
        lines.append(
            RosterLine(
                learner_id=learner_id,
                name=name,
                email=email,
                organisation=organisation,
                statuses=line_statuses,
                done=sum(status in DONE for status in line_statuses),
                last_activity_at=last,
                risks=at_risk_reasons(
                    items, line_statuses, max(start, enrolled_at, last or enrolled_at), now, inactive_days
                ),
            )
        )
    return Roster(tuple(items), tuple(lines))


async def _statuses(session: AsyncSession, cohort_id: str) -> dict[int, dict[tuple[str, str], str]]:
    statuses: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    rows = await session.execute(
        select(
            ProgressRecord.learner_id, ProgressRecord.item_kind, ProgressRecord.item_id, ProgressRecord.status
        )
        .where(ProgressRecord.cohort_id == cohort_id)
        .where(ProgressRecord.item_kind.in_(("module", "session")))
    )
    for learner_id, kind, item_id, status in rows:
        statuses[learner_id][(kind, item_id)] = status
    return statuses


async def _last_seen(session: AsyncSession, cohort_id: str) -> dict[int, datetime | None]:
    rows = await session.execute(
        select(ProgressLearner.learner_id, ProgressLearner.last_activity_at).where(
            ProgressLearner.cohort_id == cohort_id
        )
    )
    return {learner_id: last for learner_id, last in rows}


def at_risk_reasons(
    items: tuple[Item, ...] | list[Item],
    statuses: tuple[str, ...],
    active_since: datetime,
    now: datetime,
    inactive_days: int = INACTIVE_DAYS,
) -> tuple[Risk, ...]:
    """Why a learner needs a call: inactive N days, an overdue module, a missed session. Inactivity
    counts from the latest of the cohort start, the enrolment and the last activity (as the worker's)."""
    reasons: list[Risk] = []
    idle_days = (now - active_since).days
    if idle_days >= inactive_days:
        reasons.append(Risk.inactive(idle_days))
    for item, status in zip(items, statuses, strict=True):
        if item.due is None or item.due > now or status in DONE:
            continue
        if item.kind == "module":
            reasons.append(Risk.overdue_module(item.title))
        elif status == "absent":
            reasons.append(Risk.missed_session(item.title))
    return tuple(reasons)


def sorted_lines(roster: Roster, sort: str, order: str) -> tuple[RosterLine, ...]:
    if sort not in SORT_KEYS:
        raise InvalidRequest("sort", f"must be one of {', '.join(SORT_KEYS)}")
    if order not in ("asc", "desc"):
        raise InvalidRequest("order", "must be asc or desc")
    keys = {
        "name": lambda line: (line.name.lower(), line.learner_id),
        "organisation": lambda line: (line.organisation.lower(), line.name.lower()),
        "progress": lambda line: (line.done, line.name.lower()),
        "last_activity": lambda line: (
            line.last_activity_at.timestamp() if line.last_activity_at else 0.0,
            line.name.lower(),
        ),
        "risk": lambda line: (len(line.risks), line.name.lower()),
    }
    return tuple(sorted(roster.lines, key=keys[sort], reverse=order == "desc"))


async def _items(session: AsyncSession, scope: CohortScope) -> list[Item]:
    start = datetime.combine(scope.cohort.start_date, datetime.min.time()).replace(tzinfo=UTC)
    modules = await session.scalars(
        select(ModuleRow).where(ModuleRow.programme_id == scope.cohort.programme_id).order_by(ModuleRow.pk)
    )
    items = [Item("module", row.module_id, row.title, _due(row.due, start)) for row in modules]
    sessions = await session.scalars(
        select(SessionRow).where(SessionRow.cohort_id == scope.cohort.id).order_by(SessionRow.start_at)
    )
    items += [Item("session", row.session_id, row.title, row.end_at) for row in sessions]
    return items


def _due(period: str | None, start: datetime) -> datetime | None:
    if period is None:
        return None
    due_date = CalendarPeriod.parse(period).after(start.date())
    return start.replace(year=due_date.year, month=due_date.month, day=due_date.day) + timedelta(days=1)
