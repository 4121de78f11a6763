"""The schedule as records: what `lrs notifications plan|log` print and GET /admin/notifications returns.

One query for a page of planned messages (with the learner's email), one for their delivery attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.registry import CHANNELS
from lrs.programme.model import DEFAULT_TIMEZONE
from lrs.storage.notification_models import Delivery, DeliveryAttempt
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import LearnerRow
from notifications.keys import delivery_key

ALL_CHANNELS = (*CHANNELS, "local")


@dataclass(frozen=True)
class ScheduleFilter:
    cohort: str | None = None
    learner_email: str | None = None
    state: str | None = None
    start: datetime | None = None  # due at or after
    end: datetime | None = None  # due before
    after_id: int | None = None  # cursor: the last id of the previous page
    limit: int | None = None


@dataclass(frozen=True)
class PlanRecord:
    id: int
    key: str
    rule: str
    category: str
    learner: str | None
    cohort: str
    channel: str | None
    due_at: datetime
    state: str
    reason: str | None

    def as_json(self, time_zone: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
        record: dict[str, Any] = {
            "key": self.key,
            "rule": self.rule,
            "category": self.category,
            "learner": self.learner,
            "cohort": self.cohort,
            "channel": self.channel,
            "due_at": self.due_at.isoformat().replace("+00:00", "Z"),
            "due_at_local": self.due_at.astimezone(ZoneInfo(time_zone)).isoformat(),
            "state": self.state,
        }
        if self.reason is not None:
            record["reason"] = self.reason
        return record


async def plan_records(session: AsyncSession, wanted: ScheduleFilter) -> list[PlanRecord]:
    rows = await session.execute(_query(wanted))
    return [
        PlanRecord(
            row.id,
            row.key,
            row.rule,
            row.category,
            email,
            row.cohort_id,
            row.channel,
            row.due_at,
            row.state,
            row.reason,
        )
        for row, email in rows
    ]


def _query(wanted: ScheduleFilter) -> Select[PlannedMessage, str]:
    query = select(PlannedMessage, LearnerRow.email).outerjoin(
        LearnerRow, LearnerRow.id == PlannedMessage.learner_id
    )
    if wanted.cohort is not None:
        query = query.where(PlannedMessage.cohort_id == wanted.cohort)
    if wanted.learner_email is not None:
        query = query.where(LearnerRow.email_key == wanted.learner_email.strip().lower())
    if wanted.state is not None:
        query = query.where(PlannedMessage.state == wanted.state)
    if wanted.start is not None:
        query = query.where(PlannedMessage.due_at >= wanted.start)
    if wanted.end is not None:
        query = query.where(PlannedMessage.due_at < wanted.end)
    if wanted.after_id is not None:
        query = query.where(PlannedMessage.id > wanted.after_id)
        query = query.order_by(PlannedMessage.id)
    else:
        query = query.order_by(PlannedMessage.due_at, PlannedMessage.id)
    return query.limit(wanted.limit) if wanted.limit is not None else query


async def attempts_by_key(
    session: AsyncSession, records: Sequence[PlanRecord]
) -> dict[str, list[dict[str, Any]]]:
    """Each record's delivery attempts over every channel it was tried on, oldest first."""
    keys = {delivery_key(record.key, channel): record.key for record in records for channel in ALL_CHANNELS}
    found: dict[str, list[dict[str, Any]]] = {record.key: [] for record in records}
    if not keys:
        return found
    rows = await session.execute(
        select(Delivery.idempotency_key, Delivery.channel, Delivery.status, DeliveryAttempt)
        .join(DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id)
        .where(Delivery.idempotency_key.in_(list(keys)))
        .order_by(DeliveryAttempt.started_at, DeliveryAttempt.id)
    )
    for key, channel, status, attempt in rows:
        found[keys[key]].append(
            {
                "channel": channel,
                "number": attempt.number,
                "started_at": attempt.started_at.isoformat(),
                "outcome": attempt.outcome,
                "detail": attempt.detail,
                "delivery_state": status,
            }
        )
    return found
