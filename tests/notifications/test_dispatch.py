"""deliver() against a real SMTP server (aiosmtpd, STARTTLS) with injected failures, on SQLite and
PostgreSQL: each key reaches the server once, retries wait as scheduled, exhausted keys go dead."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from connectors.base import CheckResult, DeliveryResult, DeliveryStatus, RenderedMessage
from connectors.email.connector import EmailConnector, create_connector
from connectors.email.messages import message_id_for
from connectors.email.settings import EmailSettings
from connectors.teams.connector import create_connector as create_teams_connector
from lrs.storage.engine import Database
from notifications.delivery_log import Claim, DeliveryLog, DeliveryState
from notifications.dispatch import DEFAULT_LEASE, deliver
from notifications.retries import RetryPolicy
from notifications.suppression import StoredSuppressionList
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.smtp import FailurePlan, FakeSmtpServer
from tests.notifications.support import START, ManualClock, nudge

__all__ = ["fake_microsoft", "microsoft_ca"]  # fixtures used below

DOMAIN = "council.example.gov.uk"  # the Message-ID domain: from_address's


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def email(
    smtp: FakeSmtpServer, database: Database, clock: ManualClock
) -> AsyncIterator[EmailConnector]:
    settings = EmailSettings.from_mapping(smtp.settings_table(retry_after_seconds=120))
    connector = EmailConnector(
        settings, suppression=StoredSuppressionList(database, clock=clock), clock=clock
    )
    yield connector
    await connector.close()


def message_ids(smtp: FakeSmtpServer) -> Counter[str]:
    return Counter(str(captured.parsed()["Message-ID"]) for captured in smtp.captured())


async def test_a_run_with_transient_failures_delivers_every_key_once(
    smtp: FakeSmtpServer, email: EmailConnector, database: Database, clock: ManualClock
) -> None:
    smtp.failures = FailurePlan(
        transient_rate=0.35, seed=7, forced_transient=["421-at-mail", "451-at-rcpt", "451-at-data"]
    )
    log, policy, jitter = (
        DeliveryLog(database),
        RetryPolicy(max_attempts=12, base_seconds=30),
        random.Random(1),
    )
    keys = [f"nudge:cohort-7:learner-{n}:module-3" for n in range(12)]
    pending, rounds = list(keys), 0
    while pending:
        rounds += 1
        results = [
            await deliver(nudge(key), email, log, clock, policy=policy, jitter=jitter.random) for key in keys
        ]
        pending = [
            key for key, result in zip(keys, results, strict=True) if result.status is DeliveryStatus.RETRY
        ]
        assert all(result.status is not DeliveryStatus.PERMANENT_FAILURE for result in results)
        records = [await log.get(key) for key in pending]
        clock.move_to(
            min(r.next_attempt_at for r in records if r and r.next_attempt_at) if records else clock.now
        )
    assert smtp.transient_failures >= 3 and rounds > 1
    assert message_ids(smtp) == Counter({message_id_for(key, DOMAIN): 1 for key in keys})
    for key in keys:
        record = await log.get(key)
        assert record is not None and record.status is DeliveryState.DELIVERED
        assert record.provider_id == message_id_for(key, DOMAIN)
        attempts = await log.attempts(key)
        assert record.attempts == len(attempts) and attempts[-1].outcome is DeliveryStatus.DELIVERED
        assert all(a.outcome is DeliveryStatus.RETRY for a in attempts[:-1])
    transactions = smtp.mail_transactions
    again = await deliver(nudge(keys[0]), email, log, clock)
    assert (again.status, again.detail, smtp.mail_transactions) == (
        DeliveryStatus.DELIVERED,
        "already delivered",
        transactions,
    )


async def test_retry_after_is_honoured(
    smtp: FakeSmtpServer, email: EmailConnector, database: Database, clock: ManualClock
) -> None:
    smtp.failures.forced_transient.append("451-at-rcpt")
    log, policy = DeliveryLog(database), RetryPolicy(base_seconds=10)  # backoff alone would say 5-10 s
    first = await deliver(nudge("k1"), email, log, clock, policy=policy, jitter=lambda: 1.0)
    assert (first.status, first.retry_after) == (DeliveryStatus.RETRY, 120)  # the connector's retry_after
    record = await log.get("k1")
    assert record is not None and record.next_attempt_at == START + timedelta(seconds=120)
    clock.advance(119)
    early = await deliver(nudge("k1"), email, log, clock, policy=policy)
    assert (early.status, early.retry_after, smtp.mail_transactions) == (DeliveryStatus.RETRY, 1, 1)
    clock.advance(1)
    on_time = await deliver(nudge("k1"), email, log, clock, policy=policy)
    assert on_time.status is DeliveryStatus.DELIVERED and smtp.mail_transactions == 2
    assert len(smtp.captured()) == 1


async def test_a_key_goes_dead_after_the_last_attempt(
    smtp: FakeSmtpServer, email: EmailConnector, database: Database, clock: ManualClock
) -> None:
    smtp.failures = FailurePlan(transient_rate=1.0)
    log, policy = DeliveryLog(database), RetryPolicy(max_attempts=3, base_seconds=60)
    outcomes = []
    for _ in range(3):
        outcomes.append(await deliver(nudge("k1"), email, log, clock, policy=policy, jitter=lambda: 0.0))
        clock.advance(3600)
    assert [o.status for o in outcomes] == [
        DeliveryStatus.RETRY,
        DeliveryStatus.RETRY,
        DeliveryStatus.PERMANENT_FAILURE,
    ]
    assert outcomes[-1].detail.startswith("gave up after 3 attempts: smtp: 4")
    record = await log.get("k1")
    assert record is not None and (record.status, record.attempts) == (DeliveryState.DEAD, 3)
    assert await log.due(clock.now + timedelta(days=30)) == []
    after = await deliver(nudge("k1"), email, log, clock, policy=policy)
    assert after.status is DeliveryStatus.PERMANENT_FAILURE and after.detail.startswith(
        "already dead: smtp: 4"
    )
    assert smtp.mail_transactions == 3 and smtp.captured() == []


async def test_a_refused_recipient_is_suppressed_for_every_later_message(
    smtp: FakeSmtpServer, email: EmailConnector, database: Database, clock: ManualClock
) -> None:
    smtp.failures.permanent_recipients.add("gone@partner.example.org")
    log = DeliveryLog(database)
    refused = await deliver(nudge("k1", "gone@partner.example.org"), email, log, clock)
    assert refused.status is DeliveryStatus.PERMANENT_FAILURE and refused.address_invalid
    record = await log.get("k1")
    assert record is not None and record.status is DeliveryState.FAILED and "550" in (record.last_error or "")
    entry = await StoredSuppressionList(database).entry("Gone@partner.example.org")
    assert entry is not None and "550 5.1.1" in entry.reason
    # A fresh connector (another process) with the durable list does not even open a session.
    fresh = create_connector(smtp.settings_table(), suppression=StoredSuppressionList(database))
    try:
        later = await deliver(nudge("k2", "gone@partner.example.org"), fresh, log, clock)
    finally:
        await fresh.close()
    assert later.status is DeliveryStatus.PERMANENT_FAILURE and "suppressed" in later.detail
    assert smtp.mail_transactions == 1


async def test_an_unknown_teams_learner_fails_without_suppressing_the_address(
    fake_microsoft: FakeMicrosoft, database: Database, clock: ManualClock
) -> None:
    suppression = StoredSuppressionList(database)
    config = fake_microsoft.graph_config(default_web_url="https://teams.microsoft.com/l/entity/app/home")
    teams = create_teams_connector(config, suppression=suppression)
    try:
        result = await deliver(
            nudge("k1", "external@partner.example.org"), teams, DeliveryLog(database), clock
        )
    finally:
        await teams.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE and result.address_invalid
    record = await DeliveryLog(database).get("k1")
    assert record is not None and record.status is DeliveryState.FAILED
    assert not await suppression.is_suppressed("external@partner.example.org")  # email may still reach them


async def test_concurrent_senders_of_one_key_send_it_once(
    smtp: FakeSmtpServer, email: EmailConnector, database: Database, clock: ManualClock
) -> None:
    log = DeliveryLog(database)
    results = await asyncio.gather(*(deliver(nudge("k1"), email, log, clock) for _ in range(5)))
    statuses = Counter(result.status for result in results)
    # One sends; the others find it being sent (RETRY) or, on a slow machine where the first has
    # already finished, delivered (reported without sending). Either way one message goes out.
    assert statuses[DeliveryStatus.DELIVERED] >= 1
    assert statuses[DeliveryStatus.DELIVERED] + statuses[DeliveryStatus.RETRY] == 5
    assert all(
        r.detail == "being sent by another sender" for r in results if r.status is DeliveryStatus.RETRY
    )
    assert len(smtp.captured()) == 1 and smtp.mail_transactions == 1


async def test_a_crash_before_the_log_write_resends_once_with_the_same_message_id(
    smtp: FakeSmtpServer, email: EmailConnector, database: Database, clock: ManualClock
) -> None:
    log = DeliveryLog(database)
    claim = await log.claim(
        "k1", channel="email", recipient="sam@partner.example.org", now=clock(), lease=DEFAULT_LEASE
    )
    assert isinstance(claim, Claim)
    assert (await email.send(nudge("k1"))).status is DeliveryStatus.DELIVERED  # ...and the process dies
    blocked = await deliver(nudge("k1"), email, log, clock)
    assert blocked.status is DeliveryStatus.RETRY and len(smtp.captured()) == 1
    clock.advance(DEFAULT_LEASE.total_seconds())
    resent = await deliver(nudge("k1"), email, log, clock)
    assert resent.status is DeliveryStatus.DELIVERED
    first, second = smtp.captured()
    assert first.parsed()["Message-ID"] == second.parsed()["Message-ID"]  # recipients' systems can dedupe
    assert [a.outcome for a in await log.attempts("k1")] == [None, DeliveryStatus.DELIVERED]


class BrokenConnector:
    channel = "broken"

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        raise RuntimeError(f"bug while sending {message.idempotency_key}")

    async def check(self) -> CheckResult:
        return CheckResult(self.channel, False, "broken")

    async def close(self) -> None:
        return None


async def test_a_connector_that_raises_is_retried_not_left_claimed(
    database: Database, clock: ManualClock, caplog: Any
) -> None:
    log = DeliveryLog(database)
    result = await deliver(
        nudge("k1"), BrokenConnector(), log, clock, policy=RetryPolicy(base_seconds=60), jitter=lambda: 0.0
    )
    assert result.status is DeliveryStatus.RETRY and result.retry_after == 30
    assert "RuntimeError: bug while sending k1" in result.detail
    record = await log.get("k1")
    assert (
        record is not None
        and record.claimed_until is None
        and record.next_attempt_at == START + timedelta(seconds=30)
    )
    assert "connector broken raised on k1" in caplog.text


class SlowConnector(BrokenConnector):
    channel = "slow"

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        await asyncio.sleep(30)
        return DeliveryResult.delivered("too late")


async def test_a_send_is_cut_off_before_its_claim_runs_out(database: Database, clock: ManualClock) -> None:
    lease = timedelta(seconds=0.2)
    result = await deliver(nudge("k1"), SlowConnector(), DeliveryLog(database), clock, lease=lease)
    assert result.status is DeliveryStatus.RETRY and result.detail == "slow: no answer within 0.18 s"
    (attempt,) = await DeliveryLog(database).attempts("k1")
    assert attempt.outcome is DeliveryStatus.RETRY
