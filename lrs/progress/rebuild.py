"""`lrs progress rebuild`: recompute every projection from stored statements.

Enrolments are rebuilt in bulk, up to 500 per transaction under their progress locks: their rows are
dropped and recomputed from all their statements, as the live path's full recomputation does. No
notification events are published (nothing new happened); satisfied statements that should exist
are issued (a no-op when stored). Rows (progress and confidence answers) of learners no longer
enrolled are removed at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from sqlalchemy import select

from lrs.programme.store import stored_programme
from lrs.progress.inputs import enrolled_in_programme
from lrs.progress.install import arm_all_session_timers
from lrs.progress.service import ProgressProjector
from lrs.progress.store import drop_projection, lock_learners
from lrs.reporting.change_log import unchanged_records_kept
from lrs.storage.engine import Database
from lrs.storage.programme_models import CohortRow, EnrolmentRow
from lrs.storage.progress_models import ProgressRecord


@dataclass(frozen=True)
class RebuildReport:
    learners: int
    removed_owners: int  # (learner, cohort) projections dropped because the enrolment ended


CHUNK = 500  # enrolments recomputed per transaction


async def rebuild_progress(
    database: Database, projector: ProgressProjector, *, progress: Callable[[int, int], None] | None = None
) -> RebuildReport:
    """Recompute every enrolment's projection; `progress(done, total)` is told as it goes."""
    await arm_all_session_timers(database, projector.options.base_url)
    enrolled = await _enrolled(database)
    by_programme: dict[str, list[tuple[int, str, str]]] = {}
    for key in enrolled:
        by_programme.setdefault(key[1], []).append(key)
    done = 0
    for programme_id, keys in sorted(by_programme.items()):
        for start in range(0, len(keys), CHUNK):
            if progress is not None:
                progress(done, len(enrolled))
            chunk = keys[start : start + CHUNK]
            await _rebuild_chunk(database, projector, programme_id, chunk)
            done += len(chunk)
    if progress is not None:
        progress(len(enrolled), len(enrolled))
    return RebuildReport(len(enrolled), await _remove_unenrolled(database, enrolled))


async def _rebuild_chunk(
    database: Database, projector: ProgressProjector, programme_id: str, keys: list[tuple[int, str, str]]
) -> None:
    async with database.write_session() as session, session.begin(), AsyncExitStack() as kept:
        programme = await stored_programme(session, programme_id)
        await lock_learners(session, keys)
        for learner_id, _, cohort_id in keys:
            # HR pullers see only the records whose values changed (lrs.reporting.change_log)
            await kept.enter_async_context(
                unchanged_records_kept(session, learner_id, programme_id, cohort_id)
            )
            await drop_projection(session, learner_id, programme_id, cohort_id)
        current = await enrolled_in_programme(session, programme_id, learner_ids=[key[0] for key in keys])
        wanted = {(key[0], key[2]) for key in keys}
        enrolments = [item for item in current if (item.learner_id, item.cohort_id) in wanted]
        await projector.reproject(session, programme, enrolments, publish=False, reconcile_all=True)


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
