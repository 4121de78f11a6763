"""A simulated cohort of 50 learners over the programme's six months, with a frozen clock that lives
through every due message: some finish early, some go quiet, some miss sessions, two withdraw, one
session moves, one learner has no Teams app. Teams and email are the fake Microsoft servers and a
real SMTP server; the mail is parsed back. The engine's promises are checked message by message."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest

from connectors.base import Connector
from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from connectors.teams.connector import create_connector as create_teams_connector
from lrs.programme.loader import parse_programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.suppression import StoredSuppressionList
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import BASE, COHORT_START, post, statement
from tests.notifications.engine import due_definition, engine, install, planned
from tests.notifications.support import ManualClock

__all__ = ["fake_microsoft", "microsoft_ca"]

EMAILS = [f"learner{index:02d}@north.gov.uk" for index in range(50)]
EARLY = EMAILS[:10]  # finish both modules in the first week
QUIET = EMAILS[10:20]  # never do anything
WITHDRAWN = EMAILS[20:22]  # leave on 1 February
NO_APP = EMAILS[22]
ATTEND = EMAILS[:10] + EMAILS[23:40]  # the rest miss both sessions
END = datetime(2026, 6, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(COHORT_START - timedelta(days=3))


@pytest.fixture
async def channels(
    smtp: FakeSmtpServer, fake_microsoft: FakeMicrosoft, database: Database, clock: ManualClock
) -> AsyncIterator[dict[str, Connector]]:
    suppression = StoredSuppressionList(database, clock=clock)
    email = EmailConnector(
        EmailSettings.from_mapping(smtp.settings_table()), suppression=suppression, clock=clock
    )
    config = fake_microsoft.graph_config(
        default_web_url="https://teams.microsoft.com/l/entity/app/home", teams_app_id="app-123"
    )
    teams = create_teams_connector(config, suppression=suppression)
    yield {"teams": teams, "email": email}
    await teams.close()
    await email.close()


def check_nudge_cap(messages: list[PlannedMessage], by_id: dict[int, str]) -> None:
    """No learner gets more than two nudges (plus a catch-up digest) in any seven days."""
    nudges: dict[str, list[datetime]] = defaultdict(list)
    for row in messages:
        if row.category == "nudge" and row.state == "delivered" and row.sent_at is not None:
            nudges[by_id[row.learner_id or 0]].append(row.sent_at)
    for times in nudges.values():
        times.sort()
        for index, first in enumerate(times):
            assert len([t for t in times[index:] if t - first < timedelta(days=7)]) <= 3


def check_reasons(messages: list[PlannedMessage], by_id: dict[int, str], withdrawn_at: datetime) -> None:
    """Nothing to the withdrawn after they left, no module nudge to a finisher, no follow-up to anyone who
    attended, and the moved session's reminders went by its new date."""
    for row in messages:
        who = by_id[row.learner_id or 0]
        if who in WITHDRAWN and row.sent_at is not None:
            assert row.sent_at <= withdrawn_at
        if who in EARLY and row.rule in {"module_due", "module_overdue"}:
            assert row.state == "cancelled" and row.reason and row.reason.endswith("is satisfied")
        if row.rule == "missed_session" and row.state == "delivered":
            assert who not in ATTEND
        if row.rule == "session_reminder" and "s2" in row.occurrence and row.state == "delivered":
            assert row.sent_at is not None and row.sent_at >= datetime(2026, 2, 12, 10, tzinfo=UTC)


async def test_fifty_learners_over_six_months(
    database: Database,
    clock: ManualClock,
    channels: dict[str, Connector],
    smtp: FakeSmtpServer,
    fake_microsoft: FakeMicrosoft,
) -> None:
    for address in EMAILS:
        user = fake_microsoft.add_user(address)
        if address == NO_APP:
            fake_microsoft.teamwork.without_app.add(user)
    _programme, learners = await install(database, EMAILS, clock.now)
    run = engine(database, clock, channels)
    await run.at(COHORT_START + timedelta(days=2))
    rng = random.Random(11)
    done = [statement(who, verbs.COMPLETED, f"{BASE}/intro", clock.now) for who in EARLY]
    done += [
        statement(who, verbs.PASSED, f"{BASE}/quiz", clock.now, result={"score": {"scaled": 0.9}})
        for who in EARLY
    ]
    await post(database, done, clock)
    await run.at(datetime(2026, 2, 1, tzinfo=UTC))
    withdrawn_at = clock.now
    rows = [
        RosterRow(2 + i, f"W {i}", who, "", "north-council", "Head", "lead-1", status="withdrawn")
        for i, who in enumerate(WITHDRAWN)
    ]
    async with database.write_session() as session, session.begin():
        await import_roster(session, rows, now=clock.now)
        moved = due_definition()
        moved["sessions"][1]["start"], moved["sessions"][1]["end"] = (
            "2026-02-19T10:00:00",
            "2026-02-19T12:00:00",
        )
        await save_programme(session, parse_programme(moved), source="test", now=clock.now)
    for session_id, day in (("s1", 10), ("s2", 19)):
        await run.at(datetime(2026, 2, day, 10, 30, tzinfo=UTC))
        attended = [
            statement(who, verbs.ATTENDED, f"{BASE}/sessions/{session_id}", clock.now) for who in ATTEND
        ]
        rng.shuffle(attended)
        await post(database, attended, clock)
    await run.at(END)

    messages = list((await planned(database)).values())
    by_id = {value: key for key, value in learners.items()}
    by_rule = Counter((row.rule, row.state) for row in messages)
    assert {row.state for row in messages} <= {"delivered", "cancelled", "folded"}  # none left throttled
    assert by_rule[("welcome", "delivered")] == 50
    assert by_rule[("session_reminder", "cancelled")] == 2 * 2 * 2  # the withdrawn: two sessions, T-7 and T-1
    assert by_rule[("module_due", "cancelled")] == 10 * 2 + 2  # finishers' two modules; withdrawn's quiz
    assert by_rule[("module_overdue", "cancelled")] == 10 * 2 + 2 * 2
    assert by_rule[("missed_session", "delivered")] == (50 - len(ATTEND) - 2) * 2
    check_nudge_cap(messages, by_id)
    check_reasons(messages, by_id, withdrawn_at)
    # The learner without the Teams app hears by email; everyone else by Teams. Nothing twice.
    mail_to = Counter(parseaddr(str(m.parsed()["To"]))[1] for m in smtp.captured())
    assert set(mail_to) == {NO_APP}
    assert mail_to[NO_APP] == sum(
        1 for row in messages if row.state == "delivered" and by_id[row.learner_id or 0] == NO_APP
    )
    message_ids = Counter(str(m.parsed()["Message-ID"]) for m in smtp.captured())
    assert max(message_ids.values()) == 1
    delivered_by_teams = sum(1 for row in messages if row.state == "delivered" and row.channel == "teams")
    assert delivered_by_teams == len(fake_microsoft.ok(r"/teamwork/sendActivityNotification"))
