"""The engine end to end with a frozen clock: enrolment plans a calendar, due messages go out through a
real SMTP server, a satisfied module and a withdrawal cancel what no longer has a reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from connectors.email.connector import EmailConnector
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.progress import verbs
from lrs.storage.engine import Database
from notifications.content import PlainContent, plain_render
from notifications.rules import parse_rules
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import BASE, COHORT_START, post, statement
from tests.notifications.engine import engine, install, planned, states, timeline
from tests.notifications.support import ManualClock, clock, email

__all__ = ["clock", "email"]  # fixtures used below

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"


def sent(smtp: FakeSmtpServer) -> list[tuple[str, str]]:
    return sorted((parseaddr(str(m.parsed()["To"]))[1], str(m.parsed()["Subject"])) for m in smtp.captured())


async def test_enrolment_plans_the_calendar_and_the_welcome_goes_at_once(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(database, clock, {"email": email})
    await run.run()
    ada = learners[ADA]
    rows = await planned(database)
    assert {(row.rule, row.occurrence, row.due_at) for row in rows.values()} == {
        ("welcome", "enrolment", clock.now),
        ("session_reminder", "s1:P7D", datetime(2026, 2, 3, 10, tzinfo=UTC)),
        ("session_reminder", "s1:P1D", datetime(2026, 2, 9, 10, tzinfo=UTC)),
        ("session_reminder", "s2:P7D", datetime(2026, 2, 10, 10, tzinfo=UTC)),
        ("session_reminder", "s2:P1D", datetime(2026, 2, 16, 10, tzinfo=UTC)),
        ("module_due", "intro:P7D", datetime(2026, 1, 26, 9, tzinfo=UTC)),
        ("module_overdue", "intro:P1D", datetime(2026, 2, 3, 9, tzinfo=UTC)),
        ("module_due", "quiz:P7D", datetime(2026, 2, 9, 9, tzinfo=UTC)),
        ("module_overdue", "quiz:P1D", datetime(2026, 2, 17, 9, tzinfo=UTC)),
    }
    assert all(row.learner_id == ada for row in rows.values())
    assert rows[f"welcome:lead-1:learner-{ada}:enrolment"].state == "delivered"
    assert rows[f"welcome:lead-1:learner-{ada}:enrolment"].channel == "email"
    assert {row.state for key, row in rows.items() if not key.startswith("welcome")} == {"planned"}
    assert sent(smtp) == [(ADA, "Welcome to Lead")]
    text = smtp.captured()[0].parsed().get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Lead 1 runs from Monday 5 January 2026 to Tuesday 30 June 2026." in text
    assert "Your first step: start Intro." in text
    await run.run()  # nothing new is due: nothing is sent twice
    assert len(smtp.captured()) == 1


async def test_a_satisfied_module_and_a_withdrawal_cancel_their_messages(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    run = engine(database, clock, {"email": email})
    await run.run()
    await run.at(COHORT_START + timedelta(days=2))
    await post(database, [statement(ADA, verbs.COMPLETED, f"{BASE}/intro", clock.now)], clock)
    await run.run()
    ada, ben = learners[ADA], learners[BEN]
    assert (await states(database))[f"module_due:lead-1:learner-{ada}:intro:P7D"] == (
        "cancelled",
        "module intro is satisfied",
    )
    await run.at(datetime(2026, 1, 26, 9, tzinfo=UTC))
    assert (await states(database))[f"module_due:lead-1:learner-{ben}:intro:P7D"] == ("delivered", None)
    assert (BEN, "Intro is due on Monday 2 February 2026") in sent(smtp)
    assert not any(to == ADA and "Intro" in subject for to, subject in sent(smtp))


async def test_a_withdrawn_learner_gets_nothing_more(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    run = engine(database, clock, {"email": email})
    await run.run()
    row = RosterRow(
        3, "Learner1 Surname", BEN, "", "north-council", "Head of Digital", "lead-1", status="withdrawn"
    )
    async with database.write_session() as session, session.begin():
        await import_roster(session, [row], now=clock.now)
    await run.at(datetime(2026, 3, 1, tzinfo=UTC))
    ben = learners[BEN]
    ben_states = {state for key, state in (await states(database)).items() if f"learner-{ben}:" in key}
    assert ben_states == {("delivered", None), ("cancelled", "the learner withdrew")}
    assert [subject for to, subject in sent(smtp) if to == BEN] == ["Welcome to Lead"]
    ada = learners[ADA]
    assert await timeline(database, ada) == [
        ("welcome", "enrolment", "delivered"),
        ("inactivity", "since:2026-01-05T00:00:00+00:00", "delivered"),
        ("module_due", "intro:P7D", "delivered"),
        ("module_overdue", "intro:P1D", "delivered"),
        ("session_reminder", "s1:P7D", "delivered"),
        ("module_due", "quiz:P7D", "delivered"),
        ("session_reminder", "s1:P1D", "delivered"),
        ("session_reminder", "s2:P7D", "delivered"),
        ("missed_session", "s1", "delivered"),
        ("session_reminder", "s2:P1D", "delivered"),
        ("module_overdue", "quiz:P1D", "delivered"),
        ("missed_session", "s2", "delivered"),
    ]
    assert len([subject for to, subject in sent(smtp) if to == ADA]) == 12


async def test_nudges_over_the_cap_are_throttled_then_folded_into_a_catch_up_digest(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(
        database,
        clock,
        {"email": email},
        parse_rules({"nudge_cap": 1, "inactivity": False, "session_invite": False}),
    )
    await run.at(datetime(2026, 3, 1, tzinfo=UTC))
    nudges = [item for item in await timeline(database, learners[ADA]) if item[0] != "session_reminder"]
    assert nudges == [
        ("welcome", "enrolment", "delivered"),
        ("module_due", "intro:P7D", "delivered"),
        ("module_overdue", "intro:P1D", "delivered"),
        ("module_due", "quiz:P7D", "folded"),
        ("catch_up_digest", "after:2026-02-10", "delivered"),
        ("missed_session", "s1", "folded"),
        ("module_overdue", "quiz:P1D", "delivered"),
        ("catch_up_digest", "after:2026-02-17", "delivered"),
        ("missed_session", "s2", "folded"),
        ("catch_up_digest", "after:2026-02-24", "delivered"),
    ]
    digests = [m.parsed() for m in smtp.captured() if str(m.parsed()["Subject"]).startswith("Catching up")]
    assert len(digests) == 3
    assert "module due quiz" in digests[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_template_that_does_not_render_fails_its_message_only(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    def render(rule: str, channel: str, context: Mapping[str, Any], **options: Any) -> PlainContent:
        if rule == "module_due":
            raise ValueError("module_due/en/email.txt: 'module_titel' is undefined")
        return plain_render(rule, channel, context)

    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(database, clock, {"email": email})
    run.sender.render = render
    await run.at(datetime(2026, 2, 4, tzinfo=UTC))
    ada = learners[ADA]
    found = await states(database)
    assert found[f"module_due:lead-1:learner-{ada}:intro:P7D"] == (
        "failed",
        "email: did not render: module_due/en/email.txt: 'module_titel' is undefined",
    )
    assert found[f"module_overdue:lead-1:learner-{ada}:intro:P1D"] == ("delivered", None)
    assert found[f"session_reminder:lead-1:learner-{ada}:s1:P7D"] == ("delivered", None)
