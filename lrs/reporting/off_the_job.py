"""Filling `off_the_job_hours` on a page of completion records: an item's own hours, and on the
programme's record the learner's total (lrs.progress.off_the_job)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import NotFound
from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.progress.off_the_job import ItemState, item_hours, learner_hours, stored_items_of
from lrs.reporting.records import CompletionRecord


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
    items = await stored_items_of(session, owners)
    totals = {}
    for owner, programme_id in owners.items():
        hours = learner_hours(programmes[programme_id], items.get(owner, []))
        totals[owner] = hours.total if hours else 0.0
    return totals
