"""What a staff viewer may see: which cohorts, and which councils' learners within them.

An admin sees every cohort and learner. An HR viewer sees only learners of their own organisations,
in any cohort. A facilitator sees the cohorts in which they organise a session, for its registers.
Anything out of scope is reported as not found, so a page never confirms that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.users import Viewer
from lrs.errors import NotFound
from lrs.storage.programme_models import CohortRow, LearnerRow, SessionRow


@dataclass(frozen=True)
class CohortScope:
    cohort: CohortRow
    organisations: frozenset[str] | None  # None: every council's learners

    def learner_filter(self) -> ColumnElement[bool]:
        if self.organisations is None:
            return true()
        return LearnerRow.organisation_id.in_(sorted(self.organisations))


async def visible_cohorts(session: AsyncSession, viewer: Viewer) -> list[CohortRow]:
    query = select(CohortRow).order_by(CohortRow.start_date, CohortRow.id)
    if viewer.role == "facilitator":
        query = query.where(CohortRow.id.in_(_facilitated(viewer)))
    return list(await session.scalars(query))


async def cohort_scope(session: AsyncSession, viewer: Viewer, cohort_id: str) -> CohortScope:
    cohort = await session.get(CohortRow, cohort_id)
    if cohort is None:
        raise NotFound(f"no cohort {cohort_id!r}")
    if viewer.role == "facilitator":
        if (
            await session.scalar(
                select(CohortRow.id).where(CohortRow.id.in_(_facilitated(viewer)), CohortRow.id == cohort_id)
            )
            is None
        ):
            raise NotFound(f"no cohort {cohort_id!r}")
        return CohortScope(cohort, None)
    return CohortScope(cohort, None if viewer.is_admin else viewer.organisations)


def organisation_visible(viewer: Viewer, organisation_id: str) -> bool:
    return viewer.is_admin or (viewer.role == "hr" and organisation_id in viewer.organisations)


def _facilitated(viewer: Viewer) -> select:  # type: ignore[valid-type]
    return (
        select(SessionRow.cohort_id)
        .where(func.lower(SessionRow.organiser) == viewer.email.lower())
        .distinct()
    )
