"""Keeping the HR change log (`progress_changes`, lrs.storage.report_models) true when a projection is
dropped and recomputed in one transaction (`lrs progress rebuild`).

The triggers see a delete and an insert, so every record would get a new `change_seq` and
`updated_at` and HR pullers would download everything again. `unchanged_records_kept` notes each
record's values and change stamp first; once the projection is recomputed (same transaction), a
record whose values came out the same gets its old stamp back. Records that changed, appeared or
went keep their new stamp. Nothing outside the transaction ever sees the in-between state.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.progress_models import ProgressRecord
from lrs.storage.report_models import ProgressChange

# The values the change-log triggers compare (migration 0013's update trigger).
_VALUES = (
    ProgressRecord.status,
    ProgressRecord.first_activity_at,
    ProgressRecord.last_activity_at,
    ProgressRecord.completed_at,
    ProgressRecord.satisfied_at,
    ProgressRecord.score_scaled,
    ProgressRecord.time_spent_ms,
)
_Key = tuple[str, str]  # (item kind, item id)


@contextlib.asynccontextmanager
async def unchanged_records_kept(
    session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str
) -> AsyncIterator[None]:
    """Around a drop-and-recompute of one enrolment's projection, inside its transaction."""
    before = await _values(session, learner_id, programme_id, cohort_id)
    yield
    after = await _values(session, learner_id, programme_id, cohort_id)
    same = [key for key, (values, _) in after.items() if key in before and before[key][0] == values]
    restored = [
        {"change_id": before[key][1][0], "old_seq": before[key][1][1], "old_at": before[key][1][2]}
        for key in same
        if before[key][1][0] is not None
    ]
    if restored:
        change = cast(Table, ProgressChange.__table__)  # Core: no ORM bulk-update rules
        await session.execute(
            update(change)
            .where(change.c.id == bindparam("change_id"))
            .values(change_seq=bindparam("old_seq"), updated_at=bindparam("old_at"), deleted=False),
            restored,
        )


async def _values(
    session: AsyncSession, learner_id: int, programme_id: str, cohort_id: str
) -> dict[_Key, tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """Each live record of the enrolment: its values, and its change row's (id, seq, updated_at)."""
    record, change = ProgressRecord, ProgressChange
    rows = await session.execute(
        select(record.item_kind, record.item_id, *_VALUES, change.id, change.change_seq, change.updated_at)
        .outerjoin(
            change,
            and_(
                change.learner_id == record.learner_id,
                change.programme_id == record.programme_id,
                change.cohort_id == record.cohort_id,
                change.item_kind == record.item_kind,
                change.item_id == record.item_id,
                change.deleted.is_(False),
            ),
        )
        .where(
            record.learner_id == learner_id,
            record.programme_id == programme_id,
            record.cohort_id == cohort_id,
        )
    )
    width = len(_VALUES)
    return {(row[0], row[1]): (tuple(row[2 : 2 + width]), tuple(row[2 + width :])) for row in rows}
