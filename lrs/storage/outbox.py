"""The transactional outbox: events are rows written in the same transaction as the data they describe.

Consumers (`lrs.events`) claim rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer.
On PostgreSQL the writing transaction also sends `NOTIFY lrs_outbox`, which PostgreSQL delivers at
commit, so listening workers wake at once instead of at their next poll.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.models import OutboxEvent

STATEMENT_STORED = "statement.stored"
STATEMENT_VOIDED = "statement.voided"
NOTIFY_CHANNEL = "lrs_outbox"


async def append_events(
    session: AsyncSession,
    events: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    now: datetime,
    available_at: datetime | None = None,
) -> None:
    """Queue (topic, payload) events inside the caller's transaction, due at `available_at` (now)."""
    if events:
        connection = await session.connection()
        await connection.run_sync(append_events_sync, events, now=now, available_at=available_at)


def append_events_sync(
    connection: Connection,
    events: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    now: datetime,
    available_at: datetime | None = None,
) -> None:
    """`append_events` on a synchronous connection (a write transaction run in one thread)."""
    if not events:
        return
    rows = [
        {
            "topic": topic,
            "payload": encode_payload(payload),
            "created_at": now,
            "available_at": available_at or now,
            "attempts": 0,
        }
        for topic, payload in events
    ]
    connection.execute(insert(OutboxEvent), rows)  # Core executemany: no ORM bookkeeping
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


def encode_payload(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)
