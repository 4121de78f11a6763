"""Retries from the delivery log keep to the learner's sending window and are re-checked like any
send: a retry due in quiet hours, at a weekend or on a bank holiday waits for the next window; a retry
whose reason has gone is cancelled, not sent. A frozen clock and the real SMTP server."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.email.connector import EmailConnector
from lrs.progress import verbs
from lrs.storage.engine import Database
from notifications.content import Content
from notifications.delivery_log import DeliveryLog, DeliveryState
from notifications.rules import parse_rules
from notifications.templates import TemplateProblem, render
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import BASE, post, statement
from tests.notifications.engine import engine, install, states
from tests.notifications.support import ManualClock, clock, email

__all__ = ["clock", "email"]  # fixtures used below

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"
# Thursday 2 April 2026, 17:59:45 in London (BST): the retry of a failed send falls after 18:00;
# then come Good Friday, the weekend and Easter Monday (bank holidays in England and Wales).
THURSDAY_EVENING = datetime(2026, 4, 2, 16, 59, 45, tzinfo=UTC)
TUESDAY_OPENING = datetime(2026, 4, 7, 7, 0, tzinfo=UTC)  # 08:00 BST


def received(smtp: FakeSmtpServer, subject_start: str) -> int:
    """Emails received whose subject starts so (a learner enrolled this late also gets missed-session
    follow-ups, and one who finishes a module congratulations)."""
    return sum(str(message.parsed()["Subject"]).startswith(subject_start) for message in smtp.captured())


def welcomes(smtp: FakeSmtpServer) -> int:
    return received(smtp, "Welcome")


async def test_a_retry_due_in_quiet_hours_waits_past_the_weekend_and_bank_holidays(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    clock.now = THURSDAY_EVENING
    _programme, learners = await install(database, [ADA], clock.now)
    smtp.failures.forced_transient.append("451-at-rcpt")
    run = engine(database, clock, {"email": email})
    await run.run()
    key = f"welcome:lead-1:learner-{learners[ADA]}:enrolment"
    log = DeliveryLog(database)
    first = await log.get(f"{key}@email")
    assert first is not None and first.status is DeliveryState.RETRY and first.next_attempt_at is not None
    assert first.next_attempt_at > datetime(2026, 4, 2, 17, tzinfo=UTC)  # after 18:00 in London

    clock.now = first.next_attempt_at
    await run.sender.step()
    held = await log.get(f"{key}@email")
    assert welcomes(smtp) == 0
    assert held is not None and held.status is DeliveryState.RETRY
    assert held.next_attempt_at == TUESDAY_OPENING
    assert held.attempts == 1  # holding it back is not an attempt
    assert (await states(database))[key] == (
        "sent",
        "waiting for the learner's sending window (Tuesday 7 April 2026 at 08:00, Europe/London)",
    )

    clock.now = TUESDAY_OPENING - timedelta(seconds=1)
    await run.sender.step()
    assert welcomes(smtp) == 0
    clock.now = TUESDAY_OPENING
    await run.sender.step()
    assert welcomes(smtp) == 1
    assert (await states(database))[key] == ("delivered", None)
    settled = await log.get(f"{key}@email")
    assert settled is not None and settled.status is DeliveryState.DELIVERED and settled.attempts == 2


async def test_without_sending_windows_a_retry_goes_when_it_is_due(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    clock.now = THURSDAY_EVENING
    _programme, learners = await install(database, [ADA], clock.now)
    smtp.failures.forced_transient.append("451-at-rcpt")
    rules = parse_rules(
        {"session_invite": False, "cohort_update": False, "team_digest": False, "sending_windows": False}
    )
    run = engine(database, clock, {"email": email}, rules)
    await run.run()
    key = f"welcome:lead-1:learner-{learners[ADA]}:enrolment"
    first = await DeliveryLog(database).get(f"{key}@email")
    assert first is not None and first.next_attempt_at is not None
    clock.now = first.next_attempt_at
    await run.sender.step()
    assert welcomes(smtp) == 1
    assert (await states(database))[key] == ("delivered", None)


async def test_a_retry_whose_reason_has_gone_is_cancelled_not_sent(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(database, clock, {"email": email})
    await run.run()  # the welcome
    due = datetime(2026, 1, 26, 9, tzinfo=UTC)  # intro's module_due nudge, a Monday morning
    await run.at(due - timedelta(minutes=1))
    smtp.failures.forced_transient.append("451-at-rcpt")
    await run.at(due)
    key = f"module_due:lead-1:learner-{learners[ADA]}:intro:P7D"
    log = DeliveryLog(database)
    failed = await log.get(f"{key}@email")
    assert failed is not None and failed.status is DeliveryState.RETRY and failed.next_attempt_at
    await post(database, [statement(ADA, verbs.COMPLETED, f"{BASE}/intro", clock.now)], clock)
    await run.worker.run_until_idle()
    assert received(smtp, "Intro is due") == 0
    clock.now = failed.next_attempt_at
    await run.sender.step()
    assert received(smtp, "Intro is due") == 0
    assert (await states(database))[key] == ("cancelled", "module intro is satisfied")
    stopped = await log.get(f"{key}@email")
    assert stopped is not None and stopped.status is DeliveryState.CANCELLED
    assert stopped.last_error == "module intro is satisfied"
    clock.now += timedelta(days=2)
    assert await log.due(clock.now) == []


async def test_a_retry_that_no_longer_renders_fails_alone(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    smtp.failures.forced_transient.extend(["451-at-rcpt", "451-at-rcpt"])
    run = engine(database, clock, {"email": email})
    await run.run()
    assert welcomes(smtp) == 0

    def broken_for_ada(rule: str, channel: str, context: Mapping[str, Any], **options: Any) -> Content:
        if context.get("first_name") == "Learner0":  # Ada's message: a template edited since
            raise TemplateProblem(rule, "en", "body.txt", "'first_nam' is undefined")
        return render(rule, channel, context, **options)

    run.sender.render = broken_for_ada
    clock.advance(3600)
    await run.sender.step()
    found = await states(database)
    assert found[f"welcome:lead-1:learner-{learners[ADA]}:enrolment"] == (
        "failed",
        "email: did not render: template en/welcome/body.txt: 'first_nam' is undefined",
    )
    assert found[f"welcome:lead-1:learner-{learners[BEN]}:enrolment"] == ("delivered", None)
    assert welcomes(smtp) == 1
    stopped = await DeliveryLog(database).get(f"welcome:lead-1:learner-{learners[ADA]}:enrolment@email")
    assert stopped is not None and stopped.status is DeliveryState.FAILED
