"""Database side of the projection: the learner lock, the learner's statements, progress rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, select, tuple_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.bus import RetryLater
from lrs.progress.projection import ItemProgress
from lrs.storage.base import insert_ignoring_conflicts
from lrs.storage.progress_models import ConfidenceResult, ProgressDuration, ProgressLearner, ProgressRecord

ItemKey = tuple[str, str]  # (kind, item id)
_CHUNK = 500


LearnerKey = tuple[int, str, str]  # (learner id, programme id, cohort id)
# The learner locks this transaction holds, in `session.info` (kept by the event bus when it rolls a
# listener back: over-counting what is held only makes `lock_learners` more careful).
HELD_LOCKS = "locks:progress_learners"
_LOCK_NOT_AVAILABLE = "55P03"


class LearnerBusy(RetryLater):
    """Another transaction holds a learner lock that this one may only take in sorted order."""


async def lock_learner(
    session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str
) -> ProgressLearner:
    """Take one learner's progress lock (see `lock_learners`)."""
    key = (learner_id, programme_id, cohort_id)
    return (await lock_learners(session, [key]))[key]


async def lock_learners(
    session: AsyncSession, keys: Iterable[LearnerKey]
) -> dict[LearnerKey, ProgressLearner]:
    """Take the learners' progress locks (row locks on PostgreSQL; SQLite has one writer anyway), so
    two workers never compute one learner's transitions from the same old state.

    Lock order: learner locks are taken first, before any progress, timer or statement row, and in
    sorted key order. A worker's transaction handles a group of events, so it may need a learner
    that sorts before one it already holds: that one is taken with NOWAIT, and if it is busy the
    listener is retried later (`LearnerBusy`) instead of waiting, which could deadlock."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    dialect = session.get_bind().dialect.name
    held: set[LearnerKey] = session.info.setdefault(HELD_LOCKS, set())
    highest = max(held, default=None)
    careful = dialect == "postgresql" and highest is not None and wanted[0] < highest
    try:
        # Lock the rows that exist first: an INSERT .. ON CONFLICT DO NOTHING waits for any transaction
        # that has updated the conflicting row, whatever order the locks were meant to be taken in.
        found: dict[LearnerKey, ProgressLearner] = {}
        for start in range(0, len(wanted), _CHUNK):
            found.update(await _locked(session, wanted[start : start + _CHUNK], nowait=careful))
        missing = [key for key in wanted if key not in found]
        if missing:
            rows = [{"learner_id": k[0], "programme_id": k[1], "cohort_id": k[2]} for k in missing]
            await session.execute(insert_ignoring_conflicts(dialect, ProgressLearner), rows)
            for start in range(0, len(missing), _CHUNK):
                found.update(await _locked(session, missing[start : start + _CHUNK], nowait=careful))
    except DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise LearnerBusy(f"{len(wanted)} learner lock(s) busy; retried later") from err
        raise
    held.update(wanted)
    return found


def keyed(columns: Sequence[Any], keys: Sequence[Any]) -> ColumnElement[bool]:
    """`columns` IN `keys`, with the first column's values on their own as well: SQLite reads a
    row-value IN list by scanning the whole index, but searches on a plain IN of its first column."""
    return and_(columns[0].in_(sorted({key[0] for key in keys})), tuple_(*columns).in_(list(keys)))


async def _locked(
    session: AsyncSession, keys: Sequence[LearnerKey], *, nowait: bool
) -> dict[LearnerKey, ProgressLearner]:
    learner = ProgressLearner
    query = (
        select(learner)
        .where(keyed((learner.learner_id, learner.programme_id, learner.cohort_id), keys))
        .order_by(learner.learner_id, learner.programme_id, learner.cohort_id)
        .with_for_update(nowait=nowait)
        .execution_options(populate_existing=True)
    )
    rows = await session.scalars(query)
    return {(row.learner_id, row.programme_id, row.cohort_id): row for row in rows}


async def drop_projection(session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str) -> None:
    """Remove one enrolment's progress rows and confidence answers (the learner left the cohort)."""
    owner = {"learner_id": learner_id, "programme_id": programme_id, "cohort_id": cohort_id}
    await session.execute(delete(ProgressRecord).filter_by(**owner))
    await session.execute(delete(ConfidenceResult).filter_by(**owner))
    await session.execute(delete(ProgressDuration).filter_by(**owner))


async def load_records(
    session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str
) -> dict[ItemKey, ItemProgress]:
    rows = await session.scalars(
        select(ProgressRecord).filter_by(
            learner_id=learner_id, programme_id=programme_id, cohort_id=cohort_id
        )
    )
    return {(row.item_kind, row.item_id): record_from_row(row) for row in rows}


_VALUES = tuple(spec.name for spec in fields(ItemProgress) if spec.name not in ("kind", "item_id"))


def record_values(item: ItemProgress) -> dict[str, object]:
    """The row's columns but its key (no `asdict`: it deep-copies, and this runs per row per event)."""
    return {name: getattr(item, name) for name in _VALUES}


def record_from_row(row: ProgressRecord | Row[Any]) -> ItemProgress:
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
