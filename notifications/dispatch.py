"""Send one rendered message through one connector, at most once per idempotency key.

`deliver()` claims the key in the delivery log, calls the connector outside any transaction, then
records the attempt, the provider id and the key's new state in one transaction:

- DELIVERED: the key is done; later calls answer "already delivered" without sending.
- RETRY: due again after exponential backoff with jitter, never sooner than the provider's
  `retry_after`; on the policy's last attempt the key is dead instead.
- PERMANENT_FAILURE: failed for good; with `address_invalid` on a mail channel the address is
  suppressed as well.

The one gap: a crash after the provider accepted a message but before `finish()` commits leaves the
key claimed; once the claim expires the next sender sends it again. Providers that dedupe absorb that
one resend (SMTP: the Message-ID is derived from the key; Graph calendar: transactionId); a Notify
"delivered" receipt naming the key's reference settles it without a resend.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from connectors.base import Connector, DeliveryResult, DeliveryStatus, RenderedMessage
from connectors.throttling import throttle_tally
from lrs.clock import Clock
from notifications.delivery_log import Claim, DeliveryLog, DeliveryRecord, DeliveryState, Outcome
from notifications.retries import RetryPolicy

log = logging.getLogger(__name__)

Jitter = Callable[[], float]
# How long a claim lasts. A send is cut off before its claim runs out (see _send), so the lease must
# exceed the slowest healthy send: Graph channels retry inside send() for up to a few minutes.
DEFAULT_LEASE = timedelta(minutes=15)
SEND_SHARE_OF_LEASE = 0.9  # the rest is for recording the outcome
# Channels whose `address_invalid` means the mailbox itself was refused, so no channel should use it
# again. A Teams "no Entra user" only means the learner is outside the tenant: email must still work.
MAILBOX_CHANNELS = frozenset({"email", "notify", "graph_mail"})


async def deliver(
    message: RenderedMessage,
    connector: Connector,
    delivery_log: DeliveryLog,
    clock: Clock,
    *,
    policy: RetryPolicy | None = None,
    jitter: Jitter = random.random,
    lease: timedelta = DEFAULT_LEASE,
) -> DeliveryResult:
    """Deliver `message` unless its key is already settled; returns what happened (RETRY results
    carry `retry_after` = the seconds until the scheduled next attempt)."""
    started = clock()
    claim = await delivery_log.claim(
        message.idempotency_key,
        channel=connector.channel,
        recipient=message.recipient.email,
        now=started,
        lease=lease,
    )
    if isinstance(claim, DeliveryRecord):
        return result_without_sending(claim, started)
    with throttle_tally() as throttled:
        result = await _send(connector, message, limit=lease * SEND_SHARE_OF_LEASE)
    finished = clock()
    outcome = outcome_for(result, claim, connector.channel, finished, policy or RetryPolicy(), jitter())
    outcome = replace(outcome, throttled=throttled.count)
    await delivery_log.finish(claim, outcome, now=finished)
    return reported_result(outcome, claim, finished)


async def _send(connector: Connector, message: RenderedMessage, *, limit: timedelta) -> DeliveryResult:
    """The connector's result; RETRY if it raised or would outlive its claim (another sender could then
    send the same key alongside it)."""
    try:
        async with asyncio.timeout(limit.total_seconds()):
            return await connector.send(message)
    except TimeoutError:
        return DeliveryResult.retry(
            None, f"{connector.channel}: no answer within {limit.total_seconds():g} s"
        )
    except Exception as err:  # a connector bug must not leave the key claimed until the lease ends
        log.exception("connector %s raised on %s", connector.channel, message.idempotency_key)
        return DeliveryResult.retry(None, f"connector raised {type(err).__name__}: {err}")


def outcome_for(
    result: DeliveryResult,
    claim: Claim,
    channel: str,
    now: datetime,
    policy: RetryPolicy,
    jitter: float,
) -> Outcome:
    if result.status is DeliveryStatus.DELIVERED:
        return Outcome(result, DeliveryState.DELIVERED)
    if result.status is DeliveryStatus.PERMANENT_FAILURE:
        bad_mailbox = result.address_invalid and channel in MAILBOX_CHANNELS
        reason = f"{channel}: {result.detail}" if bad_mailbox else None
        return Outcome(result, DeliveryState.FAILED, suppress_reason=reason)
    next_attempt_at = policy.next_attempt_at(claim.number, now, result.retry_after, jitter)
    if next_attempt_at is None:
        return Outcome(result, DeliveryState.DEAD)
    return Outcome(result, DeliveryState.RETRY, next_attempt_at=next_attempt_at)


def reported_result(outcome: Outcome, claim: Claim, now: datetime) -> DeliveryResult:
    result = outcome.result
    if outcome.state is DeliveryState.DEAD:
        return DeliveryResult.failed(f"gave up after {claim.number} attempts: {result.detail}")
    if outcome.state is DeliveryState.RETRY and outcome.next_attempt_at is not None:
        return DeliveryResult.retry(_seconds_until(outcome.next_attempt_at, now), result.detail)
    return result


def result_without_sending(record: DeliveryRecord, now: datetime) -> DeliveryResult:
    """What a call for a key that may not be sent now comes to."""
    if record.status is DeliveryState.DELIVERED:
        return DeliveryResult.delivered(record.provider_id, "already delivered")
    if record.status in {DeliveryState.FAILED, DeliveryState.DEAD, DeliveryState.CANCELLED}:
        reason = f": {record.last_error}" if record.last_error else ""
        return DeliveryResult.failed(f"already {record.status.value}{reason}")
    if record.claimed_until is not None and record.claimed_until > now:
        return DeliveryResult.retry(_seconds_until(record.claimed_until, now), "being sent by another sender")
    due = record.next_attempt_at or now
    return DeliveryResult.retry(_seconds_until(due, now), f"next attempt not due before {due.isoformat()}")


def _seconds_until(when: datetime, now: datetime) -> float:
    return max((when - now).total_seconds(), 0.0)
