"""`lrs progress rebuild`: recompute every projection from stored statements.

Each enrolled learner is rebuilt in its own transaction under their progress lock: their rows are
dropped and recomputed exactly as the live path computes them. No notification events are published
(nothing new happened); satisfied statements that should exist are issued (a no-op when stored).
Rows (progress and confidence answers) of learners no longer enrolled are removed at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.progress.install import arm_all_session_timers
from lrs.progress.service import ProgressProjector
from lrs.progress.store import drop_projection, lock_learner
from lrs.reporting.change_log import unchanged_records_kept
from lrs.storage.engine import Database
from lrs.storage.programme_models import CohortRow, EnrolmentRow
from lrs.storage.progress_models import ProgressRecord


@dataclass(frozen=True)
class RebuildReport:
    learners: int
    removed_owners: int  # (learner, cohort) projections dropped because the enrolment ended


async def rebuild_progress(
    database: Database, projector: ProgressProjector, *, progress: Callable[[int, int], None] | None = None
) -> RebuildReport:
    """Recompute every enrolment's projection; `progress(done, total)` is told as it goes."""
    await arm_all_session_timers(database, projector.options.base_url)
    enrolled = await _enrolled(database)
    programmes: dict[str, Programme] = {}
    for done, (learner_id, programme_id, cohort_id) in enumerate(enrolled, 1):
        if progress is not None:
            progress(done - 1, len(enrolled))
        async with database.write_session() as session, session.begin():
            if programme_id not in programmes:
                programmes[programme_id] = await stored_programme(session, programme_id)
            await lock_learner(session, learner_id, programme_id, cohort_id)
            # HR pullers see only the records whose values the rebuild changed (lrs.reporting.change_log)
            async with unchanged_records_kept(session, learner_id, programme_id, cohort_id):
                await drop_projection(session, learner_id, programme_id, cohort_id)
                programme = programmes[programme_id]
                await projector.refresh(
                    session, learner_id, programme, cohort_id, publish=False, reconcile_all=True
                )
    if progress is not None:
        progress(len(enrolled), len(enrolled))
    return RebuildReport(len(enrolled), await _remove_unenrolled(database, enrolled))


async def _enrolled(database: Database) -> list[tuple[int, str, str]]:
    async with database.read_session() as session:
        rows = await session.execute(
            select(EnrolmentRow.learner_id, CohortRow.programme_id, EnrolmentRow.cohort_id)
            .join(CohortRow, CohortRow.id == EnrolmentRow.cohort_id)
            .where(EnrolmentRow.status == "enrolled")
            .order_by(EnrolmentRow.learner_id, EnrolmentRow.cohort_id)
        )
        return [(learner_id, programme_id, cohort_id) for learner_id, programme_id, cohort_id in rows]


async def _remove_unenrolled(database: Database, enrolled: list[tuple[int, str, str]]) -> int:
    keep = set(enrolled)
    record = ProgressRecord
    async with database.write_session() as session, session.begin():
        present = await session.execute(
            select(record.learner_id, record.programme_id, record.cohort_id).distinct()
        )
        stale = [
            (learner_id, programme_id, cohort_id)
            for learner_id, programme_id, cohort_id in present
            if (learner_id, programme_id, cohort_id) not in keep
        ]
        for learner_id, programme_id, cohort_id in stale:
            await drop_projection(session, learner_id, programme_id, cohort_id)
        return len(stale)
