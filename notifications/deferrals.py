"""Putting back, at once, the claimed messages that wait for their learner's sending window.

At night, at weekends and on bank holidays most due messages are held (notifications.decisions.hold)
before anything else is decided. Read one at a time, each cost the learner's facts (four queries)
and a write transaction of its own to say so. Here a claimed batch's preferences are read in one
query and the held messages are deferred in one transaction; what is not held (to send, to cancel,
over the cap) goes on to the per-message path, which decides exactly as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Table, bindparam, update

from lrs.programme.model import Programme
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.batch import Batch
from notifications.decisions import Deferral, hold
from notifications.preferences import Preferences, preferences_for
from notifications.rules import NotificationRules

log = logging.getLogger(__name__)


async def defer_held(
    database: Database,
    batch: Batch | None,
    rules_for: Callable[[Programme], NotificationRules],
    now: datetime,
) -> set[int]:
    """Defer the batch's messages outside their learner's sending window; return their ids."""
    if batch is None or not batch.rows:
        return set()
    learner_ids = sorted({row.learner_id for row in batch.rows.values() if row.learner_id is not None})
    async with database.read_session() as session:
        chosen = await preferences_for(session, learner_ids)
    held: dict[int, Deferral] = {}
    for row_id, row in batch.rows.items():
        windows = rules_for(batch.programmes[row.programme_id]).sending_windows
        found = chosen[row.learner_id] if row.learner_id is not None else Preferences()
        decision = hold(row, batch.reasons[row_id], found, now, windows=windows)
        if isinstance(decision, Deferral):
            held[row_id] = decision
    if held:
        await _defer_all(database, held, now)
        for row_id, deferral in sorted(held.items()):
            log.info("notification %s: deferred to %s", batch.rows[row_id].key, deferral.until.isoformat())
    return set(held)


async def _defer_all(database: Database, held: dict[int, Deferral], now: datetime) -> None:
    """One transaction: each row due again when its window opens, unclaimed, with the reason."""
    table: Table = PlannedMessage.__table__  # type: ignore[assignment]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(due_at=bindparam("b_due"), claimed_until=None, updated_at=now, reason=bindparam("b_reason"))
    )
    rows = [
        {"b_id": row_id, "b_due": deferral.until, "b_reason": deferral.reason}
        for row_id, deferral in sorted(held.items())
    ]
    async with database.write_session() as session, session.begin():
        await session.execute(statement.execution_options(synchronize_session=False), rows)
