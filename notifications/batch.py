"""Evaluating a claimed batch at once: the sender claims many due messages, and one read session
loads their rows and programmes, re-checks every reason (`reasons_gone_for`) and counts the
learners' nudges for the cap (`NudgeTally`) in a few queries, whatever the batch's size.

Decisions stay those of one message at a time: a catch-up digest (what it folds depends on what the
batch throttled before it) and any row whose programme cannot be read are left to the per-message
path, and a batch that cannot be evaluated at all falls back to it whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import NotFound
from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.caps import DIGEST_RULE, NudgeTally
from notifications.recheck import reasons_gone_for
from notifications.rules import NotificationRules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    rows: dict[int, PlannedMessage]  # the rows decided here (by id)
    programmes: dict[str, Programme]
    reasons: dict[int, str | None]  # reason_gone of each row
    tally: NudgeTally

    def covers(self, row_id: int) -> bool:
        return row_id in self.rows


async def evaluate_batch(
    database: Database,
    row_ids: Sequence[int],
    rules_for: Callable[[Programme], NotificationRules],
    now: datetime,
) -> Batch | None:
    """The batch's facts and decisions, or None (decide message by message) when they cannot be read."""
    if not row_ids:
        return None
    try:
        async with database.read_session() as session:
            return await _evaluate(session, row_ids, rules_for, now)
    except Exception:  # one message's bad data must not stop the others: the per-message path isolates it
        log.exception("a batch of %d notifications could not be evaluated at once", len(row_ids))
        return None


async def _evaluate(
    session: AsyncSession,
    row_ids: Sequence[int],
    rules_for: Callable[[Programme], NotificationRules],
    now: datetime,
) -> Batch:
    found = await session.scalars(select(PlannedMessage).where(PlannedMessage.id.in_(list(row_ids))))
    rows = {row.id: row for row in found if row.rule != DIGEST_RULE}
    programmes: dict[str, Programme] = {}
    for programme_id in sorted({row.programme_id for row in rows.values()}):
        try:
            programmes[programme_id] = await stored_programme(session, programme_id)
        except NotFound:
            continue  # its rows fail one by one, as they would alone
    rows = {row_id: row for row_id, row in rows.items() if row.programme_id in programmes}
    reasons = await reasons_gone_for(session, list(rows.values()), programmes)
    going = [
        (row, rules_for(programmes[row.programme_id])) for row in rows.values() if reasons[row.id] is None
    ]
    tally = await NudgeTally.load(session, going, now)
    return Batch(rows, programmes, reasons, tally)
