"""Retention: once a day the worker erases the learners whose every cohort ended more than
`personal_data_retention_days` ago, in batches, inside its own listener transaction."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.events.bus import EventBus, Unsubscribe
from lrs.events.timers import arm_timer
from lrs.events.types import RetentionDue
from lrs.privacy.erase import ErasureReceipt, erase_in_session
from lrs.privacy.local_outbox import (
    OutboxCleaning,
    clean_local_outbox,
    local_outbox_folder,
    person_in_messages,
)
from lrs.privacy.subject import find_subject
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.programme_models import CohortRow, EnrolmentRow, LearnerRow
from lrs.storage.progress_models import Timer

log = logging.getLogger(__name__)
TIMER_KEY = "privacy:retention"
BATCH = 100
DAY = timedelta(days=1)
SOON = timedelta(minutes=1)  # when a batch was full: come back for the rest


async def learners_past_retention(
    session: AsyncSession, *, now: datetime, days: int, limit: int
) -> list[int]:
    """Learners not yet erased, with enrolments, all of whose cohorts ended before the cut-off."""
    cutoff = (now - timedelta(days=days)).date()
    recent = (
        select(EnrolmentRow.id)
        .join(CohortRow, CohortRow.id == EnrolmentRow.cohort_id)
        .where(EnrolmentRow.learner_id == LearnerRow.id, CohortRow.end_date >= cutoff)
    )
    enrolled = select(EnrolmentRow.id).where(EnrolmentRow.learner_id == LearnerRow.id)
    query = (
        select(LearnerRow.id)
        .where(LearnerRow.erased_at.is_(None), exists(enrolled), ~exists(recent))
        .order_by(LearnerRow.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class RetentionRun:
    receipts: list[ErasureReceipt]
    local_outbox: OutboxCleaning  # the erased people's messages in the local channel's folder


async def erase_expired(
    session: AsyncSession,
    *,
    now: datetime,
    days: int,
    base_url: str,
    local_outbox: Path | None,
    limit: int = BATCH,
    dry_run: bool = False,
) -> RetentionRun:
    """Erase (or with `dry_run`, in a transaction the caller rolls back, count) the learners past the
    period, then clean `local_outbox` of them in one pass (counted only in a dry run)."""
    receipts, people = [], []
    for learner_id in await learners_past_retention(session, now=now, days=days, limit=limit):
        subject = await find_subject(session, learner_id=learner_id)
        people.append(await person_in_messages(session, subject))
        receipts.append(await erase_in_session(session, subject, base_url=base_url, now=now, dry_run=dry_run))
    cleaned = OutboxCleaning(0, 0)
    if local_outbox is not None and people:
        cleaned = await asyncio.to_thread(clean_local_outbox, local_outbox, people, dry_run=dry_run)
    return RetentionRun(receipts, cleaned)


def install_retention(bus: EventBus, settings: Settings) -> Unsubscribe:
    days = settings.personal_data_retention_days
    folder = local_outbox_folder(settings.connectors)

    async def on_due(event: RetentionDue, session: AsyncSession) -> None:
        run = await erase_expired(
            session, now=event.due_at, days=days, base_url=settings.base_url, local_outbox=folder
        )
        receipts = run.receipts
        if receipts:
            ids = ", ".join(str(item.learner_id) for item in receipts)
            log.info(
                "retention: erased %d learner(s) past %d days: ids %s; local outbox: %d message(s) "
                "deleted, %d redacted",
                len(receipts), days, ids, run.local_outbox.deleted, run.local_outbox.redacted,
            )  # fmt: skip
        again = event.due_at + (SOON if len(receipts) == BATCH else DAY)
        await arm_timer(session, TIMER_KEY, RetentionDue(due_at=again), again)

    return bus.subscribe(RetentionDue, on_due, name="privacy.retention")


async def arm_retention(database: Database, settings: Settings, clock: Clock) -> None:
    """At worker start: make sure the daily timer exists (a no-op when it is already armed)."""
    if settings.personal_data_retention_days <= 0:
        return
    async with database.write_session() as session, session.begin():
        if (
            await session.scalar(select(Timer.id).where(Timer.key == TIMER_KEY, Timer.fired_at.is_(None)))
            is None
        ):
            now = clock()
            await arm_timer(session, TIMER_KEY, RetentionDue(due_at=now), now)
