"""What the delivery log holds, as plain values: a key's state, its record and its attempts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from connectors.base import DeliveryStatus
from lrs.storage.notification_models import Delivery


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"  # new, or being sent (claimed_until says until when)
    DELIVERED = "delivered"
    RETRY = "retry"  # transient failure; due again at next_attempt_at
    FAILED = "failed"  # permanent failure; never sent again
    DEAD = "dead"  # transient failures until the attempts ran out
    CANCELLED = "cancelled"  # its planned message lost its reason before a retry; never sent again


SENDABLE = frozenset({DeliveryState.QUEUED, DeliveryState.RETRY})


@dataclass(frozen=True)
class DeliveryRecord:
    key: str
    channel: str
    recipient: str
    status: DeliveryState
    provider_id: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    claimed_until: datetime | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    receipt_status: str | None
    receipt_at: datetime | None

    @classmethod
    def of(cls, row: Delivery) -> DeliveryRecord:
        return cls(
            key=row.idempotency_key,
            channel=row.channel,
            recipient=row.recipient,
            status=DeliveryState(row.status),
            provider_id=row.provider_id,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            claimed_until=row.claimed_until,
            created_at=row.created_at,
            updated_at=row.updated_at,
            delivered_at=row.delivered_at,
            receipt_status=row.receipt_status,
            receipt_at=row.receipt_at,
        )


@dataclass(frozen=True)
class AttemptRecord:
    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: DeliveryStatus | None  # None: the sender never reported back (crash, cancellation)
    provider_id: str | None
    retry_after_seconds: float | None
    detail: str | None
