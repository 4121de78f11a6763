"""The transactional outbox: events are rows written in the same transaction as the data they describe.

Consumers (`lrs.events`) claim rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.models import OutboxEvent

STATEMENT_STORED = "statement.stored"
STATEMENT_VOIDED = "statement.voided"


async def append_events(
    session: AsyncSession, events: Sequence[tuple[str, Mapping[str, Any]]], *, now: datetime
) -> None:
    """Queue (topic, payload) events inside the caller's transaction."""
    if not events:
        return
    rows = [
        {
            "topic": topic,
            "payload": json.dumps(payload, separators=(",", ":"), sort_keys=True),
            "created_at": now,
            "available_at": now,
            "attempts": 0,
        }
        for topic, payload in events
    ]
    await session.execute(insert(OutboxEvent), rows)
