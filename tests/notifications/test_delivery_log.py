"""The delivery log's own rules: claims and leases, settled keys, what is due, and provider receipts."""

from __future__ import annotations

from datetime import timedelta

from connectors.base import DeliveryResult, DeliveryStatus
from lrs.storage.engine import Database
from notifications.delivery_log import (
    Claim,
    DeliveryLog,
    DeliveryRecord,
    DeliveryState,
    Outcome,
    ProviderReceipt,
    ReceiptKind,
)
from notifications.retries import RetryPolicy
from notifications.suppression import StoredSuppressionList
from tests.notifications.support import START

LEASE = timedelta(minutes=5)
ADDRESS = "sam@partner.example.org"


async def claimed(log: DeliveryLog, key: str, seconds: float = 0) -> Claim:
    claim = await log.claim(
        key, channel="notify", recipient=ADDRESS, now=START + timedelta(seconds=seconds), lease=LEASE
    )
    assert isinstance(claim, Claim), claim
    return claim


def receipt(kind: ReceiptKind, *, reference: str | None = "k1", provider_id: str = "n-1") -> ProviderReceipt:
    status = {ReceiptKind.CONFIRMED: "delivered", ReceiptKind.ADDRESS_FAILED: "permanent-failure"}
    word = status.get(kind, "temporary-failure")
    return ProviderReceipt(reference, provider_id, ADDRESS, kind, word, f"notify {word} ({provider_id})")


async def test_a_claimed_key_is_refused_to_others_until_its_lease_ends(database: Database) -> None:
    log = DeliveryLog(database)
    first = await claimed(log, "k1")
    busy = await log.claim("k1", channel="notify", recipient=ADDRESS, now=START + LEASE / 2, lease=LEASE)
    assert isinstance(busy, DeliveryRecord) and busy.claimed_until == START + LEASE
    assert await log.due(START + LEASE / 2) == []
    (abandoned,) = await log.due(START + LEASE)
    assert abandoned.key == "k1" and abandoned.status is DeliveryState.QUEUED
    second = await claimed(log, "k1", seconds=LEASE.total_seconds())
    assert (first.number, second.number) == (1, 2)
    attempts = await log.attempts("k1")
    assert [(a.number, a.outcome) for a in attempts] == [(1, None), (2, None)]


async def test_finish_records_the_provider_id_and_settles_the_key(database: Database) -> None:
    log = DeliveryLog(database)
    claim = await claimed(log, "k1")
    outcome = Outcome(DeliveryResult.delivered("n-1", "accepted"), DeliveryState.DELIVERED)
    record = await log.finish(claim, outcome, now=START + timedelta(seconds=2))
    assert (record.status, record.provider_id, record.delivered_at, record.claimed_until) == (
        DeliveryState.DELIVERED,
        "n-1",
        START + timedelta(seconds=2),
        None,
    )
    assert await log.already_delivered("k1") and not await log.already_delivered("k2")
    assert await log.by_provider_id("n-1") == record
    again = await log.claim("k1", channel="notify", recipient=ADDRESS, now=START + LEASE * 2, lease=LEASE)
    assert again == record
    (attempt,) = await log.attempts("k1")
    assert (attempt.outcome, attempt.provider_id, attempt.detail) == (
        DeliveryStatus.DELIVERED,
        "n-1",
        "accepted",
    )


async def test_a_late_failure_never_undoes_a_delivery(database: Database) -> None:
    log = DeliveryLog(database)
    slow = await claimed(log, "k1")
    fast = await claimed(log, "k1", seconds=LEASE.total_seconds())  # the slow sender's lease ran out
    await log.finish(fast, Outcome(DeliveryResult.delivered("n-2"), DeliveryState.DELIVERED), now=START)
    late = Outcome(DeliveryResult.retry(60, "timeout"), DeliveryState.RETRY, next_attempt_at=START + LEASE)
    record = await log.finish(slow, late, now=START + LEASE)
    assert (record.status, record.provider_id, record.next_attempt_at) == (
        DeliveryState.DELIVERED,
        "n-2",
        None,
    )
    assert [a.outcome for a in await log.attempts("k1")] == [DeliveryStatus.RETRY, DeliveryStatus.DELIVERED]


async def test_a_delivered_receipt_settles_a_key_whose_sender_died(database: Database) -> None:
    log = DeliveryLog(database)
    await claimed(log, "k1")  # accepted by Notify, then the process died before finish()
    record = await log.record_receipt(
        receipt(ReceiptKind.CONFIRMED), now=START + timedelta(minutes=1), policy=RetryPolicy(), jitter=0.0
    )
    assert record is not None
    assert (record.status, record.provider_id, record.receipt_status, record.claimed_until) == (
        DeliveryState.DELIVERED,
        "n-1",
        "delivered",
        None,
    )
    assert await log.due(START + LEASE * 2) == []


async def test_a_permanent_failure_receipt_fails_the_key_and_suppresses(database: Database) -> None:
    log = DeliveryLog(database)
    claim = await claimed(log, "k1")
    await log.finish(claim, Outcome(DeliveryResult.delivered("n-1"), DeliveryState.DELIVERED), now=START)
    record = await log.record_receipt(
        receipt(ReceiptKind.ADDRESS_FAILED, reference=None), now=START, policy=RetryPolicy(), jitter=0.0
    )
    assert record is not None and record.status is DeliveryState.FAILED
    assert record.last_error == "notify permanent-failure (n-1)"
    assert not await log.already_delivered("k1")
    assert await StoredSuppressionList(database).is_suppressed(ADDRESS)


async def test_an_undelivered_receipt_schedules_another_attempt(database: Database) -> None:
    log = DeliveryLog(database)
    policy = RetryPolicy(max_attempts=2, base_seconds=60)
    claim = await claimed(log, "k1")
    await log.finish(claim, Outcome(DeliveryResult.delivered("n-1"), DeliveryState.DELIVERED), now=START)
    record = await log.record_receipt(receipt(ReceiptKind.UNDELIVERED), now=START, policy=policy, jitter=1.0)
    assert record is not None
    assert (record.status, record.next_attempt_at) == (DeliveryState.RETRY, START + timedelta(seconds=60))
    assert [r.key for r in await log.due(START + timedelta(seconds=60))] == ["k1"]
    second = await claimed(log, "k1", seconds=60)
    await log.finish(second, Outcome(DeliveryResult.delivered("n-2"), DeliveryState.DELIVERED), now=START)
    last = await log.record_receipt(
        receipt(ReceiptKind.UNDELIVERED, provider_id="n-2"), now=START, policy=policy, jitter=1.0
    )
    assert last is not None and last.status is DeliveryState.DEAD  # two attempts were all it had


async def test_a_receipt_for_an_unknown_key_still_suppresses_a_bad_address(database: Database) -> None:
    log = DeliveryLog(database)
    unknown = await log.record_receipt(
        receipt(ReceiptKind.ADDRESS_FAILED, reference="send-test:x"),
        now=START,
        policy=RetryPolicy(),
        jitter=0,
    )
    assert unknown is None
    assert await StoredSuppressionList(database).is_suppressed(ADDRESS)


async def test_a_stale_senders_failure_leaves_the_current_claim_in_force(database: Database) -> None:
    """A sender whose lease ran out (paused, or slow to record) reports a retry while the key's next
    claim is still sending: the key must stay claimed by that sender, not become due to a third."""
    log = DeliveryLog(database)
    stale = await claimed(log, "k1")
    current = await claimed(log, "k1", seconds=LEASE.total_seconds())
    soon = START + LEASE + timedelta(seconds=1)
    late = Outcome(DeliveryResult.retry(1, "timeout"), DeliveryState.RETRY, next_attempt_at=soon)
    record = await log.finish(stale, late, now=soon)
    assert (record.status, record.claimed_until) == (DeliveryState.QUEUED, START + LEASE * 2)
    assert await log.due(soon + timedelta(seconds=1)) == []
    third = await log.claim("k1", channel="notify", recipient=ADDRESS, now=soon, lease=LEASE)
    assert isinstance(third, DeliveryRecord)  # refused: attempt 2 is still in flight
    await log.finish(current, Outcome(DeliveryResult.delivered("n-2"), DeliveryState.DELIVERED), now=soon)
    assert [a.outcome for a in await log.attempts("k1")] == [DeliveryStatus.RETRY, DeliveryStatus.DELIVERED]
