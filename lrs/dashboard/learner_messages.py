"""The learner page's messages: every message the engine planned for the learner (from
`planned_messages`), with why it was planned, when it was due, what became of it and the reason
(cancelled, throttled, folded, failed), and how each channel it was tried on answered (`deliveries`).
Deliveries that belong to no planned message (sent by other tools) are listed on their own.

Bounded: the newest MESSAGE_LIMIT planned messages, and their deliveries in one query.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.notification_models import Delivery
from lrs.storage.planned_message_models import PlannedMessage
from notifications.keys import delivery_key
from notifications.records import ALL_CHANNELS

MESSAGE_LIMIT = 100
RULE_PURPOSES = {
    "welcome": "Welcome to the programme, sent on enrolment",
    "session_invite": "Invitation to session {session_id}",
    "session_reminder": "Reminder before session {session_id}",
    "missed_session": "Follow-up after missing session {session_id}, with catch-up material",
    "module_due": "Module {module_id} is due soon",
    "module_overdue": "Module {module_id} is overdue",
    "inactivity": "No activity for a while",
    "review_day_invite": "Invitation to the review day {session_id}",
    "congratulations": "Congratulations",
    "catch_up_digest": "Catch-up of nudges held back by the weekly cap",
}


@dataclass(frozen=True)
class ChannelOutcome:
    channel: str
    status: str
    attempts: int
    error: str


@dataclass(frozen=True)
class PlannedLine:
    cohort_id: str
    rule: str
    category: str
    purpose: str  # why the message was planned, in words
    occurrence: str
    due_at: datetime
    state: str
    reason: str
    sent_at: datetime | None
    channels: tuple[ChannelOutcome, ...]


@dataclass(frozen=True)
class OtherDelivery:
    channel: str
    status: str
    created_at: datetime
    reason: str


def purpose_of(rule: str, context_json: str) -> str:
    try:
        context = json.loads(context_json)
    except ValueError:
        context = {}
    template = RULE_PURPOSES.get(rule, rule.replace("_", " ").capitalize())
    values = {
        "session_id": str(context.get("session_id", "")) if isinstance(context, dict) else "",
        "module_id": str(context.get("module_id", "")) if isinstance(context, dict) else "",
    }
    return template.format(**values).replace("  ", " ").strip()


async def planned_lines(
    session: AsyncSession, learner_id: int, cohorts: Collection[str] | None
) -> tuple[PlannedLine, ...]:
    """The learner's planned messages, latest due first; only these cohorts' when `cohorts` is given."""
    query = select(PlannedMessage).where(PlannedMessage.learner_id == learner_id)
    if cohorts is not None:
        query = query.where(PlannedMessage.cohort_id.in_(list(cohorts)))
    rows = list(await session.scalars(query.order_by(PlannedMessage.due_at.desc()).limit(MESSAGE_LIMIT)))
    outcomes = await _outcomes(session, [row.key for row in rows])
    return tuple(
        PlannedLine(
            cohort_id=row.cohort_id,
            rule=row.rule,
            category=row.category,
            purpose=purpose_of(row.rule, row.context),
            occurrence=row.occurrence,
            due_at=row.due_at,
            state=row.state,
            reason=row.reason or "",
            sent_at=row.sent_at,
            channels=tuple(outcomes.get(row.key, ())),
        )
        for row in rows
    )


async def _outcomes(session: AsyncSession, keys: list[str]) -> dict[str, list[ChannelOutcome]]:
    by_delivery_key = {delivery_key(key, channel): key for key in keys for channel in ALL_CHANNELS}
    found: dict[str, list[ChannelOutcome]] = {}
    if not by_delivery_key:
        return found
    rows = await session.scalars(
        select(Delivery).where(Delivery.idempotency_key.in_(list(by_delivery_key))).order_by(Delivery.id)
    )
    for row in rows:
        outcome = ChannelOutcome(row.channel, row.status, row.attempts, row.last_error or "")
        found.setdefault(by_delivery_key[row.idempotency_key], []).append(outcome)
    return found


async def other_deliveries(session: AsyncSession, email: str) -> tuple[OtherDelivery, ...]:
    """Deliveries to the learner's address that no planned message accounts for (newest 50)."""
    query = select(Delivery).where(Delivery.recipient == email).order_by(Delivery.created_at.desc()).limit(50)
    rows = list(await session.scalars(query))
    candidates = {row.idempotency_key.rpartition("@")[0] for row in rows} - {""}
    planned = set()
    if candidates:
        planned = set(
            await session.scalars(select(PlannedMessage.key).where(PlannedMessage.key.in_(candidates)))
        )
    return tuple(
        OtherDelivery(row.channel, row.status, row.created_at, row.idempotency_key.split(":", 1)[0])
        for row in rows
        if row.idempotency_key.rpartition("@")[0] not in planned
    )
