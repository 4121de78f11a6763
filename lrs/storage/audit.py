"""The audit log: who did what to the store's administration, for admins to read.

Written in the same transaction as the action it records, so that a recorded action happened and an
action that happened is recorded. Rows name people by id (learner, credential key), never by email
or name, so that the log itself holds no personal data to erase.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.engine import Database
from lrs.storage.trust_models import AuditEvent

CLI_ACTOR = "cli"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "detail": self.detail,
        }


async def record_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=at,
            actor=actor[:200],
            action=action,
            target=target[:300],
            detail=json.dumps(dict(detail or {})),
        )
    )
    await session.flush()


async def record_audit_alone(database: Database, **entry: Any) -> None:
    """`record_audit` in a transaction of its own, for actions that commit their own work."""
    async with database.write_session() as session, session.begin():
        await record_audit(session, **entry)


async def audit_entries(
    session: AsyncSession, *, limit: int, before_id: int | None = None
) -> list[AuditEntry]:
    """The newest entries first, `limit` of them, older than `before_id` when given."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return [
        AuditEntry(row.id, row.at, row.actor, row.action, row.target, json.loads(row.detail))
        for row in await session.scalars(query)
    ]
