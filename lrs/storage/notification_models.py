"""Delivery log and suppression list: what the notifications engine sent, tried, gave up on, and to whom
it must never send again.

One `deliveries` row per idempotency key (a rendered message is sent at most once); one
`delivery_attempts` row per call to a connector, so the history of retries stays visible.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class Delivery(Base):
    """The state of one message: queued (being sent), delivered, retry (due at next_attempt_at),
    failed (permanently) or dead (retries exhausted)."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    channel: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # While set and in the future, one sender owns the key; a crashed sender's claim simply expires.
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # What the provider reported later (GOV.UK Notify delivery receipts).
    receipt_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    receipt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)


class DeliveryAttempt(Base):
    """One call to a connector. `outcome` stays NULL when the sender died before recording it."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("deliveries.id"))
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)  # connectors.base.DeliveryStatus
    provider_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    retry_after_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)

    # The worker purges settled attempts oldest first (`lrs.storage.attempts_purge`).
    __table_args__ = (
        UniqueConstraint("delivery_id", "number"),
        Index("ix_delivery_attempts_finished", "finished_at"),
    )


class SuppressedAddress(Base):
    """An address that bounced or failed permanently; `address` is stored trimmed and lower-cased."""

    __tablename__ = "suppressed_addresses"
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    suppressed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConnectorThrottle(Base):
    """How many times a provider has throttled a channel (HTTP 429 or Retry-After), ever: a counter
    that only grows, written with the delivery attempt it happened in (lrs.storage.throttles)."""

    __tablename__ = "connector_throttles"
    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    throttled: Mapped[int] = mapped_column(BigId, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
