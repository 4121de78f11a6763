"""Durable timers: rows in `timers`, never in memory. Due timers become outbox events.

`arm_timer` sets (or moves) the timer named `key`; arming it again with the same due time changes
nothing, so a timer that already fired does not fire twice. `fire_due_timers` turns due timers into
outbox events in the same transaction that marks them fired (exactly once, even with many workers).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.events.types import Event
from lrs.storage.base import insert_ignoring_conflicts
from lrs.storage.engine import Database
from lrs.storage.outbox import append_events, encode_payload
from lrs.storage.progress_models import Timer


async def arm_timer(session: AsyncSession, key: str, event: Event, due_at: datetime) -> None:
    payload = encode_payload(event.to_payload())
    row = {"key": key, "topic": event.topic, "payload": payload, "due_at": due_at, "fired_at": None}
    await session.execute(insert_ignoring_conflicts(session.get_bind().dialect.name, Timer), [row])
    await session.execute(
        update(Timer)
        .where(Timer.key == key, Timer.due_at != due_at)
        .values(topic=event.topic, payload=payload, due_at=due_at, fired_at=None)
    )


async def arm_timers(session: AsyncSession, timers: Sequence[tuple[str, Event, datetime]]) -> None:
    """`arm_timer` for many (key, event, due) at once: two executemany statements, in the given order."""
    if not timers:
        return
    rows = [
        {"key": key, "topic": event.topic, "payload": encode_payload(event.to_payload()), "due_at": due_at}
        for key, event, due_at in timers
    ]
    dialect = session.get_bind().dialect.name
    await session.execute(
        insert_ignoring_conflicts(dialect, Timer), [{**row, "fired_at": None} for row in rows]
    )
    table: Table = Timer.__table__  # type: ignore[assignment]
    moved = (
        update(table)
        .where(table.c.key == bindparam("b_key"), table.c.due_at != bindparam("b_due"))
        .values(topic=bindparam("b_topic"), payload=bindparam("b_payload"), due_at=bindparam("b_due"))
        .values(fired_at=None)
        .execution_options(synchronize_session=False)
    )
    changes = [
        {"b_key": row["key"], "b_due": row["due_at"], "b_topic": row["topic"], "b_payload": row["payload"]}
        for row in rows
    ]
    await session.execute(moved, changes)


async def fire_due_timers(database: Database, clock: Clock, *, limit: int = 500) -> int:
    """Move due timers into the outbox; return how many fired."""
    now = clock()
    async with database.write_session() as session, session.begin():
        due = await session.execute(
            select(Timer.id, Timer.topic, Timer.payload)
            .where(Timer.fired_at.is_(None), Timer.due_at <= now)
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = due.all()
        if not rows:
            return 0
        await session.execute(
            update(Timer).where(Timer.id.in_([row.id for row in rows])).values(fired_at=now)
        )
        await append_events(session, [(row.topic, json.loads(row.payload)) for row in rows], now=now)
    return len(rows)


async def next_timer_due(database: Database) -> datetime | None:
    async with database.read_session() as session:
        found = await session.execute(
            select(Timer.due_at).where(Timer.fired_at.is_(None)).order_by(Timer.due_at).limit(1)
        )
        return found.scalar_one_or_none()
