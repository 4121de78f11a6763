"""Dead letters: outbox rows that failed `max_attempts` times (`dead_at` set, never claimed again).

`dead_letters` lists them with the reason (`last_error`); `replay` makes them open and due now with
their attempts reset, so the next claim takes them again (`lrs events dead --replay ID|--all`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update

from lrs.events.consumer import LISTENER_KEY
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent


@dataclass(frozen=True)
class DeadLetter:
    id: int
    topic: str
    attempts: int
    created_at: datetime
    dead_at: datetime
    reason: str
    listener: str | None  # the one listener a retry row was addressed to


def _is_dead() -> ColumnElement[bool]:
    return OutboxEvent.dead_at.is_not(None) & OutboxEvent.processed_at.is_(None)


async def dead_letters(database: Database, *, limit: int = 100) -> list[DeadLetter]:
    """The oldest `limit` dead letters, by id (read from `ix_outbox_dead`)."""
    async with database.read_session() as session:
        rows = await session.scalars(
            select(OutboxEvent).where(_is_dead()).order_by(OutboxEvent.id).limit(limit)
        )
        return [_letter(row) for row in rows]


def _letter(row: OutboxEvent) -> DeadLetter:
    try:
        listener = json.loads(row.payload).get(LISTENER_KEY)
    except (ValueError, AttributeError):  # the payload itself may be why it died
        listener = None
    dead_at = row.dead_at or row.available_at
    return DeadLetter(
        row.id, row.topic, row.attempts, row.created_at, dead_at, row.last_error or "", listener
    )


async def replay(database: Database, ids: Sequence[int] | None, *, now: datetime) -> list[int]:
    """Reopen the dead letters `ids` (every one when None), due at `now`; return the ids reopened.
    Ids that are not dead letters are left alone (and not returned)."""
    chosen = _is_dead() if ids is None else _is_dead() & OutboxEvent.id.in_(list(ids))
    async with database.write_session() as session, session.begin():
        reopened = await session.scalars(
            update(OutboxEvent)
            .where(chosen)
            .values(dead_at=None, attempts=0, available_at=now)
            .returning(OutboxEvent.id)
        )
        return sorted(reopened)
