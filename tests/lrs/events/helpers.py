"""Shared pieces for the event tests: a settable clock, an outbox writer and an effect counter."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.types import LearnerEnrolled
from lrs.storage.engine import Database
from lrs.storage.models import LrsMeta, OutboxEvent
from lrs.storage.outbox import append_events

EFFECT_PREFIX = "effect:"


@dataclass
class SettableClock:
    now: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


async def queue_enrolments(database: Database, count: int, now: datetime, *, first: int = 0) -> None:
    events = [
        (LearnerEnrolled.topic, LearnerEnrolled("prog", "c1", number).to_payload())
        for number in range(first, first + count)
    ]
    async with database.write_session() as session, session.begin():
        for start in range(0, count, 500):
            await append_events(session, events[start : start + 500], now=now)


async def record_effect(event: LearnerEnrolled, session: AsyncSession) -> None:
    """A listener whose database effect is a row naming the event it came from (a fresh key each
    time, so a second delivery would show as a second row)."""
    key = f"{EFFECT_PREFIX}{event.learner_id}:{uuid.uuid4().hex[:12]}"
    await session.execute(insert(LrsMeta).values(key=key, value=""))


async def effect_counts(database: Database) -> Counter[int]:
    async with database.read_session() as session:
        rows = await session.execute(select(LrsMeta.key).where(LrsMeta.key.startswith(EFFECT_PREFIX)))
        return Counter(int(key.split(":")[1]) for (key,) in rows)


async def unprocessed(database: Database, topic: str) -> list[OutboxEvent]:
    async with database.read_session() as session:
        rows = await session.execute(
            select(OutboxEvent).where(OutboxEvent.topic == topic, OutboxEvent.processed_at.is_(None))
        )
        return list(rows.scalars())
