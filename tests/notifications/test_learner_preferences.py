"""The sender reads each learner's preferences at every decision: language (Welsh template set,
subject and dates), opt-outs (a nudge cancelled, a reminder still sent), quiet hours, working days
and bank holidays (deferred to the next window), through a real SMTP server whose MIME is parsed
back; every email carries the RFC 8058 one-click unsubscribe headers and a preferences link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import pytest

from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from connectors.teams.connector import create_connector as create_teams_connector
from lrs.storage.engine import Database
from notifications.links import verify_token
from notifications.preferences import Preferences, save_preferences
from notifications.suppression import StoredSuppressionList
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import COHORT_START
from tests.notifications.engine import engine, install, planned, states
from tests.notifications.support import ManualClock

__all__ = ["fake_microsoft", "microsoft_ca"]  # fixtures used below

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"
FRIDAY_MORNING = COHORT_START - timedelta(days=3) + timedelta(hours=9)  # 2 January 2026, 09:00 GMT


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FRIDAY_MORNING)


@pytest.fixture
async def email(
    smtp: FakeSmtpServer, database: Database, clock: ManualClock
) -> AsyncIterator[EmailConnector]:
    settings = EmailSettings.from_mapping(smtp.settings_table())
    connector = EmailConnector(
        settings, suppression=StoredSuppressionList(database, clock=clock), clock=clock
    )
    yield connector
    await connector.close()


async def prefer(database: Database, learner_id: int, preferences: Preferences, clock: ManualClock) -> None:
    async with database.write_session() as session, session.begin():
        await save_preferences(session, learner_id, preferences, now=clock.now)


def mails_to(smtp: FakeSmtpServer, address: str) -> list[EmailMessage]:
    return [m.parsed() for m in smtp.captured() if parseaddr(str(m.parsed()["To"]))[1] == address]


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


async def test_welsh_by_preference_with_one_click_unsubscribe_and_a_preferences_link(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    await prefer(database, learners[ADA], Preferences(language="cy"), clock)
    run = engine(database, clock, {"email": email})
    await run.run()
    [welsh], [english] = mails_to(smtp, ADA), mails_to(smtp, BEN)
    assert str(welsh["Subject"]) == "Croeso i Lead" and str(english["Subject"]) == "Welcome to Lead"
    assert "Helo Learner0," in plain(welsh)
    assert "Mae Lead 1 yn rhedeg o Dydd Llun 5 Ionawr 2026 tan Dydd Mawrth 30 Mehefin 2026." in plain(welsh)
    assert 'lang="cy"' in html(welsh) and 'lang="en"' in html(english)
    assert "Lead 1 runs from Monday 5 January 2026 to Tuesday 30 June 2026." in plain(english)
    key = run.sender.options.link_key
    for message, learner in ((welsh, learners[ADA]), (english, learners[BEN])):
        header = str(message["List-Unsubscribe"])
        found = re.fullmatch(r"<(https://lrs\.test/notifications/unsubscribe\?t=([^>]+))>", header)
        assert found is not None, header
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
        assert verify_token(found.group(2), "unsubscribe", key, now=clock.now) == learner
        assert found.group(1) in plain(message) and f'href="{found.group(1)}"' in html(message)
        link = re.search(r"https://lrs\.test/notifications/preferences\?t=(\S+)", plain(message))
        assert link is not None and verify_token(link.group(1), "preferences", key, now=clock.now) == learner
        assert ADA not in header and BEN not in header  # the link names no one


async def test_an_opted_out_nudge_is_cancelled_and_a_reminder_still_goes(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(database, clock, {"email": email})
    await run.run()  # planned with the defaults: the change below counts at the next decision
    ada = learners[ADA]
    await prefer(database, ada, Preferences(opted_out=frozenset({"nudge"}), language="cy"), clock)
    await run.at(datetime(2026, 2, 4, 12, tzinfo=UTC))
    found = await states(database)
    assert found[f"module_due:lead-1:learner-{ada}:intro:P7D"] == (
        "cancelled",
        "the learner opted out of nudge messages",
    )
    assert found[f"module_overdue:lead-1:learner-{ada}:intro:P1D"][0] == "cancelled"
    assert found[f"session_reminder:lead-1:learner-{ada}:s1:P7D"] == ("delivered", None)
    subjects = [str(message["Subject"]) for message in mails_to(smtp, ADA)]
    assert subjects == ["Welcome to Lead", "Nodyn atgoffa: S1 ar Dydd Mawrth 10 Chwefror 2026 am 10:00"]


async def test_quiet_hours_defer_to_the_next_window_and_bank_holidays_count_per_nation(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    await prefer(database, learners[ADA], Preferences(nation="scotland"), clock)  # 2 January: a holiday
    run = engine(database, clock, {"email": email})
    await run.run()
    rows = await planned(database)
    ada_welcome = rows[f"welcome:lead-1:learner-{learners[ADA]}:enrolment"]
    assert (ada_welcome.state, ada_welcome.due_at) == ("planned", datetime(2026, 1, 5, 8, tzinfo=UTC))
    assert ada_welcome.reason == (
        "waiting for the learner's sending window (Monday 5 January 2026 at 08:00, Europe/London)"
    )
    assert [str(m["Subject"]) for m in mails_to(smtp, BEN)] == ["Welcome to Lead"] and not mails_to(smtp, ADA)
    await run.at(datetime(2026, 1, 5, 8, tzinfo=UTC))
    assert (await states(database))[ada_welcome.key] == ("delivered", None)
    assert [str(m["Subject"]) for m in mails_to(smtp, ADA)] == ["Welcome to Lead"]


async def test_working_days_and_quiet_hours_in_the_learners_own_time_zone(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    ada = learners[ADA]
    run = engine(database, clock, {"email": email})
    await run.run()
    wednesdays = Preferences(working_days=frozenset({2}), time_zone="America/New_York")
    await prefer(database, ada, replace(wednesdays, quiet_start="17:00", quiet_end="09:00"), clock)
    await run.at(datetime(2026, 2, 12, tzinfo=UTC))
    rows = await planned(database)
    # T-7 for s1 (Tuesday 3 February 10:00 UTC) waits for Wednesday 09:00 New York = 14:00 UTC.
    week_before = rows[f"session_reminder:lead-1:learner-{ada}:s1:P7D"]
    assert (week_before.state, week_before.sent_at) == ("delivered", datetime(2026, 2, 4, 14, tzinfo=UTC))
    # T-1 (Monday 9 February) would wait until Wednesday 11 February, after the session started.
    day_before = rows[f"session_reminder:lead-1:learner-{ada}:s1:P1D"]
    assert (day_before.state, day_before.reason) == (
        "cancelled",
        "the learner's next sending window opens after the session starts",
    )
    reminder = next(m for m in mails_to(smtp, ADA) if str(m["Subject"]).startswith("Reminder: S1"))
    assert str(reminder["Subject"]) == "Reminder: S1 on Tuesday 10 February 2026 at 05:00"  # New York


async def test_the_learners_channel_order_and_language_on_teams(
    database: Database, clock: ManualClock, email: EmailConnector, fake_microsoft: FakeMicrosoft
) -> None:
    fake_microsoft.add_user(ADA, display_name="Ada")
    fake_microsoft.add_user(BEN, display_name="Ben")
    config = fake_microsoft.graph_config(
        default_web_url="https://teams.microsoft.com/l/entity/app/home", teams_app_id="app-123"
    )
    teams = create_teams_connector(config, suppression=StoredSuppressionList(database, clock=clock))
    try:
        _programme, learners = await install(database, [ADA, BEN], clock.now)
        await prefer(database, learners[ADA], Preferences(channel_order=("email", "teams")), clock)
        await prefer(database, learners[BEN], Preferences(language="cy"), clock)
        await engine(database, clock, {"teams": teams, "email": email}).run()
    finally:
        await teams.close()
    rows = await planned(database)
    ada, ben = (rows[f"welcome:lead-1:learner-{learners[who]}:enrolment"] for who in (ADA, BEN))
    assert (ada.state, ada.channel) == ("delivered", "email")
    assert (ben.state, ben.channel) == ("delivered", "teams")
    [activity] = fake_microsoft.ok(r"/teamwork/sendActivityNotification")
    assert isinstance(activity.body, dict)
    assert activity.body["previewText"]["content"] == "Croeso i Lead, Learner1"


async def test_a_learner_who_wants_teams_only_on_a_site_without_teams_is_told_why(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    await prefer(database, learners[ADA], Preferences(channel_order=("teams",)), clock)
    await engine(database, clock, {"email": email}).run()
    assert (await states(database))[f"welcome:lead-1:learner-{learners[ADA]}:enrolment"] == (
        "failed",
        "none of the message's channels is configured (the learner's order: teams)",
    )
    assert smtp.captured() == []
