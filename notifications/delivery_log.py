"""The delivery log: one row per idempotency key, one attempt row per call to a connector.

A sender first `claim()`s a key (in one short transaction: the row is created if new, and a lease
taken), sends outside any transaction, then `finish()`es: the attempt's outcome, the provider id
and the key's new state are written in one transaction. Provider receipts (`record_receipt()`)
arrive later and may confirm, condemn or reschedule a message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import DeliveryResult, DeliveryStatus
from lrs.storage.base import dialect_name, insert_ignoring_conflicts
from lrs.storage.engine import Database
from lrs.storage.notification_models import Delivery, DeliveryAttempt
from lrs.storage.throttles import add_throttled
from notifications.delivery_records import SENDABLE as SENDABLE
from notifications.delivery_records import AttemptRecord as AttemptRecord
from notifications.delivery_records import DeliveryRecord as DeliveryRecord
from notifications.delivery_records import DeliveryState as DeliveryState
from notifications.retries import RetryPolicy
from notifications.suppression import suppress_in


@dataclass(frozen=True)
class Claim:
    """Permission to send a key now, as attempt `number`."""

    key: str
    number: int


@dataclass(frozen=True)
class Outcome:
    """What an attempt comes to: the connector's result and the state the key moves to."""

    result: DeliveryResult
    state: DeliveryState
    next_attempt_at: datetime | None = None
    suppress_reason: str | None = None  # put the recipient on the suppression list, same transaction
    throttled: int = 0  # throttling replies (429 / Retry-After) the provider gave during the attempt


class ReceiptKind(enum.Enum):
    CONFIRMED = "confirmed"  # the provider delivered it
    ADDRESS_FAILED = "address_failed"  # the address does not exist or refuses mail: suppress it
    UNDELIVERED = "undelivered"  # the provider gave up for a reason that may pass: send again later


@dataclass(frozen=True)
class ProviderReceipt:
    reference: str | None  # our idempotency key, as the provider echoes it
    provider_id: str
    address: str
    kind: ReceiptKind
    status: str  # the provider's own word for it, kept in the log
    detail: str


class DeliveryLog:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def already_delivered(self, key: str) -> bool:
        record = await self.get(key)
        return record is not None and record.status is DeliveryState.DELIVERED

    async def get(self, key: str) -> DeliveryRecord | None:
        async with self._database.read_session() as session:
            row = await session.scalar(select(Delivery).where(Delivery.idempotency_key == key))
        return None if row is None else DeliveryRecord.of(row)

    async def by_provider_id(self, provider_id: str) -> DeliveryRecord | None:
        async with self._database.read_session() as session:
            row = await session.scalar(select(Delivery).where(Delivery.provider_id == provider_id).limit(1))
        return None if row is None else DeliveryRecord.of(row)

    async def attempts(self, key: str) -> list[AttemptRecord]:
        query = (
            select(DeliveryAttempt)
            .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
            .where(Delivery.idempotency_key == key)
            .order_by(DeliveryAttempt.number)
        )
        async with self._database.read_session() as session:
            rows = (await session.scalars(query)).all()
        return [
            AttemptRecord(
                number=row.number,
                started_at=row.started_at,
                finished_at=row.finished_at,
                outcome=DeliveryStatus(row.outcome) if row.outcome else None,
                provider_id=row.provider_id,
                retry_after_seconds=row.retry_after_seconds,
                detail=row.detail,
            )
            for row in rows
        ]

    async def due(self, now: datetime, limit: int = 100) -> list[DeliveryRecord]:
        """Keys to send again: retries whose time has come, and claims whose sender vanished."""
        query = (
            select(Delivery)
            .where(
                or_(
                    and_(Delivery.status == DeliveryState.RETRY, Delivery.next_attempt_at <= now),
                    and_(Delivery.status == DeliveryState.QUEUED, Delivery.claimed_until <= now),
                )
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        async with self._database.read_session() as session:
            return [DeliveryRecord.of(row) for row in (await session.scalars(query)).all()]

    async def claim(
        self, key: str, *, channel: str, recipient: str, now: datetime, lease: timedelta
    ) -> Claim | DeliveryRecord:
        """A Claim when the key may be sent now; otherwise the record that says why not (delivered,
        failed, dead, not due yet, or being sent by someone else)."""
        async with self._database.write_session() as session, session.begin():
            new_row = insert_ignoring_conflicts(dialect_name(session), Delivery).values(
                idempotency_key=key,
                channel=channel,
                recipient=recipient,
                status=DeliveryState.QUEUED.value,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            await session.execute(new_row)
            row = await _locked(session, key)
            if not _may_send(row, now):
                return DeliveryRecord.of(row)
            row.status = DeliveryState.QUEUED.value
            row.attempts += 1
            row.claimed_until = now + lease
            row.next_attempt_at = None
            row.channel, row.recipient, row.updated_at = channel, recipient, now
            session.add(DeliveryAttempt(delivery_id=row.id, number=row.attempts, started_at=now))
            return Claim(key, row.attempts)

    async def hold_back(
        self,
        key: str,
        *,
        until: datetime | None,
        reason: str,
        now: datetime,
        stopped: DeliveryState = DeliveryState.CANCELLED,
    ) -> DeliveryRecord | None:
        """Keep a due retry from going now, without counting an attempt: due again at `until` (the
        learner's next sending window), or with `until` None never (`stopped`: cancelled when its
        reason went away, failed when it can no longer be rendered).
        A key being sent, or settled, is left as it is; None when the log does not know the key."""
        async with self._database.write_session() as session, session.begin():
            row = await session.scalar(
                select(Delivery).where(Delivery.idempotency_key == key).with_for_update()
            )
            if row is None:
                return None
            if DeliveryState(row.status) in SENDABLE and not _claimed(row, now):
                row.status = (DeliveryState.RETRY if until else stopped).value
                row.next_attempt_at, row.claimed_until, row.updated_at = until, None, now
                row.last_error = row.last_error if until else reason
            return DeliveryRecord.of(row)

    async def finish(self, claim: Claim, outcome: Outcome, *, now: datetime) -> DeliveryRecord:
        """Record the attempt and the key's new state (and a suppression) in one transaction."""
        result = outcome.result
        async with self._database.write_session() as session, session.begin():
            row = await _locked(session, claim.key)
            attempt = await session.scalar(
                select(DeliveryAttempt).where(
                    DeliveryAttempt.delivery_id == row.id, DeliveryAttempt.number == claim.number
                )
            )
            if attempt is not None:
                attempt.finished_at, attempt.outcome = now, result.status.value
                attempt.provider_id, attempt.detail = result.provider_id, result.detail or None
                attempt.retry_after_seconds = result.retry_after
            if _outcome_applies(row, outcome, claim):
                _apply(row, outcome, now)
            elif result.provider_id and row.provider_id is None:
                row.provider_id = result.provider_id
            if outcome.suppress_reason is not None:
                await suppress_in(session, row.recipient, outcome.suppress_reason, now)
            await add_throttled(session, row.channel, outcome.throttled, now)
            return DeliveryRecord.of(row)

    async def record_receipt(
        self, receipt: ProviderReceipt, *, now: datetime, policy: RetryPolicy, jitter: float
    ) -> DeliveryRecord | None:
        """Apply a provider's delivery receipt to the key it names; None if the log does not know it
        (the address is still suppressed on a permanent failure: it is bad whoever sent to it)."""
        async with self._database.write_session() as session, session.begin():
            row = await _receipt_row(session, receipt)
            if receipt.kind is ReceiptKind.ADDRESS_FAILED:
                await suppress_in(session, receipt.address, receipt.detail, now)
            if row is None:
                return None
            row.receipt_status, row.receipt_at, row.updated_at = receipt.status, now, now
            row.provider_id = row.provider_id or receipt.provider_id
            _apply_receipt(row, receipt, now, policy, jitter)
            return DeliveryRecord.of(row)


async def _locked(session: AsyncSession, key: str) -> Delivery:
    # FOR UPDATE serialises senders of one key on PostgreSQL; SQLite has a single writer anyway.
    query = select(Delivery).where(Delivery.idempotency_key == key).with_for_update()
    return (await session.scalars(query)).one()


async def _receipt_row(session: AsyncSession, receipt: ProviderReceipt) -> Delivery | None:
    """The key the receipt names by reference; by provider id for sends made without one."""
    conditions = [Delivery.provider_id == receipt.provider_id]
    if receipt.reference:
        conditions.insert(0, Delivery.idempotency_key == receipt.reference)
    for condition in conditions:
        row = await session.scalar(select(Delivery).where(condition).limit(1).with_for_update())
        if row is not None:
            return row
    return None


def _may_send(row: Delivery, now: datetime) -> bool:
    if DeliveryState(row.status) not in SENDABLE:
        return False
    if _claimed(row, now):
        return False
    return row.next_attempt_at is None or row.next_attempt_at <= now


def _claimed(row: Delivery, now: datetime) -> bool:
    """A sender holds the key now (its lease has not run out)."""
    return row.claimed_until is not None and row.claimed_until > now


def _outcome_applies(row: Delivery, outcome: Outcome, claim: Claim) -> bool:
    """An in-flight key takes its current claim's outcome, and a success from any claim; a stale
    claim's failure (its lease ran out and another sender holds the key now) leaves that sender's
    claim in force, or a third could send alongside it. A settled key takes only a late success of a
    retried, dead or cancelled key. Delivered and failed stay as they are."""
    status = DeliveryState(row.status)
    delivered = outcome.state is DeliveryState.DELIVERED
    if status is DeliveryState.QUEUED:
        return delivered or claim.number == row.attempts
    return delivered and status in {DeliveryState.RETRY, DeliveryState.DEAD, DeliveryState.CANCELLED}


def _apply(row: Delivery, outcome: Outcome, now: datetime) -> None:
    delivered = outcome.state is DeliveryState.DELIVERED
    row.status = outcome.state.value
    row.provider_id = outcome.result.provider_id or row.provider_id
    row.last_error = None if delivered else (outcome.result.detail or outcome.result.status.value)
    row.next_attempt_at = outcome.next_attempt_at
    row.claimed_until = None
    row.delivered_at = now if delivered else row.delivered_at
    row.updated_at = now


def _apply_receipt(
    row: Delivery, receipt: ProviderReceipt, now: datetime, policy: RetryPolicy, jitter: float
) -> None:
    status = DeliveryState(row.status)
    if receipt.kind is ReceiptKind.CONFIRMED:
        # Also settles a key whose sender died before recording the provider's acceptance.
        if status is not DeliveryState.FAILED:
            row.status, row.last_error = DeliveryState.DELIVERED.value, None
            row.next_attempt_at, row.claimed_until = None, None
            row.delivered_at = row.delivered_at or now
        return
    row.last_error, row.claimed_until = receipt.detail, None
    if receipt.kind is ReceiptKind.ADDRESS_FAILED:
        row.status, row.next_attempt_at = DeliveryState.FAILED.value, None
    elif status in {DeliveryState.DELIVERED, DeliveryState.QUEUED}:
        row.next_attempt_at = policy.next_attempt_at(row.attempts, now, None, jitter)
        row.status = (DeliveryState.RETRY if row.next_attempt_at else DeliveryState.DEAD).value
