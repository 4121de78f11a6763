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
    programmes = await _programmes_with_hours(session, {record.programme for record in records})
    if not programmes:
        return records
    totals = await _totals(session, records, programmes)
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


async def _programmes_with_hours(session: AsyncSession, ids: set[str]) -> dict[str, Programme]:
    found = {}
    for programme_id in sorted(ids):
        try:
            programme = await stored_programme(session, programme_id)
        except NotFound:
            continue
        if programme.off_the_job is not None:
            found[programme_id] = programme
    return found


async def _totals(
    session: AsyncSession, records: list[CompletionRecord], programmes: dict[str, Programme]
) -> dict[tuple[int, str], float]:
    """Each (learner, cohort) with a programme record on the page: the total, from one query."""
    owners = {
        (record.learner_id, record.cohort): record.programme
        for record in records
        if record.item_type == "programme" and record.programme in programmes and not record.deleted
    }
    items = await stored_items_of(session, owners)
    totals = {}
    for owner, programme_id in owners.items():
        hours = learner_hours(programmes[programme_id], items.get(owner, []))
        totals[owner] = hours.total if hours else 0.0
    return totals
