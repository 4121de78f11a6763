"""The council page's rows: each of one council's learners in each cohort, with the programme status,
and the same rows as CSV (formula-safe) for the council's HR."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.roster_csv import safe_cell
from lrs.storage.programme_models import EnrolmentRow, LearnerRow
from lrs.storage.progress_models import ProgressRecord


@dataclass(frozen=True)
class CouncilLine:
    learner_id: int
    name: str
    email: str
    role: str
    cohort_id: str
    enrolment: str  # enrolled | withdrawn
    programme_status: str


async def council_lines(session: AsyncSession, organisation_id: str) -> list[CouncilLine]:
    programme_status = (
        select(ProgressRecord.status)
        .where(ProgressRecord.learner_id == LearnerRow.id, ProgressRecord.cohort_id == EnrolmentRow.cohort_id)
        .where(ProgressRecord.item_kind == "programme")
        .correlate(LearnerRow, EnrolmentRow)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            LearnerRow.id,
            LearnerRow.name,
            LearnerRow.email,
            LearnerRow.role,
            EnrolmentRow.cohort_id,
            EnrolmentRow.status,
            func.coalesce(programme_status, "not_started"),
        )
        .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
        .where(LearnerRow.organisation_id == organisation_id, LearnerRow.erased_at.is_(None))
        .order_by(LearnerRow.name, EnrolmentRow.cohort_id)
    )
    return [CouncilLine(*row) for row in rows]


def council_csv(lines: Sequence[CouncilLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["name", "work_email", "role", "cohort", "enrolment", "programme_status"])
    for line in lines:
        cells = [line.name, line.email, line.role, line.cohort_id, line.enrolment, line.programme_status]
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()
