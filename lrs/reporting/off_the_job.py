"""Filling `off_the_job_hours` on a page of completion records: an item's own hours, and on the
programme's record the learner's total (lrs.progress.off_the_job)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import NotFound
from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.progress.off_the_job import ItemState, item_hours, learner_hours
from lrs.reporting.records import CompletionRecord
from lrs.storage.progress_models import ProgressRecord


async def with_off_the_job_hours(
    session: AsyncSession, records: list[CompletionRecord]
) -> list[CompletionRecord]:
    programmes = await programmes_with_hours(session, {record.programme for record in records})
    if not programmes:
        return records
    owners = {
        (record.learner_id, record.cohort): record.programme
        for record in records
        if record.item_type == "programme" and record.programme in programmes and not record.deleted
    }
    totals = await learner_totals(session, owners, programmes)
    filled = []
    for record in records:
        programme = programmes.get(record.programme)
        if programme is None or record.deleted:
            filled.append(record)
        elif record.item_type == "programme":
            filled.append(
                replace(record, off_the_job_hours=totals.get((record.learner_id, record.cohort), 0.0))
            )
        else:
            item = ItemState(
                record.item_type,
                record.item_id,
                record.status or "",
                record.satisfied_at,
                int((record.time_spent_minutes or 0) * 60_000),
            )
            found = item_hours(programme, item)
            filled.append(replace(record, off_the_job_hours=found.hours if found else 0.0))
    return filled


async def programmes_with_hours(
    session: AsyncSession, ids: set[str], known: dict[str, Programme | None] | None = None
) -> dict[str, Programme]:
    """The programmes among `ids` with [off_the_job] hours; `known` caches look-ups across pages."""
    known = {} if known is None else known
    for programme_id in sorted(ids - known.keys()):
        known[programme_id] = await _programme_with_hours(session, programme_id)
    return {programme_id: found for programme_id in ids if (found := known[programme_id]) is not None}


async def _programme_with_hours(session: AsyncSession, programme_id: str) -> Programme | None:
    try:
        programme = await stored_programme(session, programme_id)
    except NotFound:
        return None
    return programme if programme.off_the_job is not None else None


async def learner_totals(
    session: AsyncSession, owners: dict[tuple[int, str], str], programmes: dict[str, Programme]
) -> dict[tuple[int, str], float]:
    """Each (learner, cohort) of `owners` (to its programme id): the total hours, from one query."""
    if not owners:
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
        ).where(ProgressRecord.learner_id.in_(sorted({learner_id for learner_id, _ in owners})))
    )
    items: dict[tuple[int, str], list[ItemState]] = {}
    for learner_id, cohort_id, kind, item_id, status, satisfied, spent in rows:
        if (learner_id, cohort_id) in owners:
            items.setdefault((learner_id, cohort_id), []).append(
                ItemState(kind, item_id, status, satisfied, spent or 0)
            )
    totals = {}
    for owner, programme_id in owners.items():
        hours = learner_hours(programmes[programme_id], items.get(owner, []))
        totals[owner] = hours.total if hours else 0.0
    return totals
