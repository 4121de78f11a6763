"""A 50-learner cohort of the shipped Holmbridge Place Digital Academy over its nine months, with a
frozen clock that lives through every due message and timer (tests/notifications/simulation.py says
who does what, and works out from the rules alone what the engine must send, cancel, throttle and
fold). Teams is the fake Microsoft servers, the cohort channel the fake Workflows webhook, email and
calendar invitations a real SMTP server; the MIME and the iCalendar parts are parsed back.

It runs on SQLite only: it is about the engine's decisions over a whole cohort, which do not depend
on the database (every engine test runs on both, and test_workers_killed.py on PostgreSQL)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.base import Connector
from connectors.teams_channel.connector import create_connector as create_channel_connector
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import LearnerRow
from notifications.preferences import Preferences, save_preferences
from notifications.rules import parse_rules
from notifications.weekly import iso_week, recipient_token
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import post, statement
from tests.notifications import simulation as sim
from tests.notifications.engine import Engine, engine, planned
from tests.notifications.support import ManualClock, channels

__all__ = ["channels", "fake_microsoft", "microsoft_ca"]  # fixtures used below


@pytest.fixture
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real SQLite file, in memory-backed /dev/shm where there is one (nine months of commits)."""
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("simulation")
    yield f"sqlite+aiosqlite:///{folder / 'simulation.db'}"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(sim.ENROLLED_AT)


@pytest.fixture
async def connectors(
    channels: dict[str, Connector], fake_microsoft: FakeMicrosoft
) -> AsyncIterator[dict[str, Connector]]:
    url = fake_microsoft.workflows.add(fake_microsoft.base_url)
    channel = create_channel_connector({"webhook_url": url, "ca_bundle": str(fake_microsoft.ca_path)})
    yield {**channels, "teams_channel": channel}
    await channel.close()


async def enrol(database: Database, clock: ManualClock, fake_microsoft: FakeMicrosoft) -> dict[str, int]:
    for address in sim.EMAILS:
        user = fake_microsoft.add_user(address)
        if address == sim.NO_APP:
            fake_microsoft.teamwork.without_app.add(user)
    rows = [
        RosterRow(
            n + 2, sim.name_of(email), email, "", sim.organisation_of(email), "Service lead", sim.COHORT
        )
        for n, email in enumerate(sim.EMAILS)
    ]
    async with database.write_session() as session, session.begin():
        await save_programme(session, sim.programme(), source="test", now=clock.now)
        await import_roster(session, rows, now=clock.now)
        learners = dict((await session.execute(select(LearnerRow.email, LearnerRow.id))).all())
        opted_out = Preferences(opted_out=frozenset({"nudge"}))
        await save_preferences(session, learners[sim.OPTED_OUT], opted_out, now=clock.now)
    return learners


def behaviour_statements() -> dict[datetime, list[dict[str, Any]]]:
    """Each learner's statements, by the moment they are made."""
    found: dict[datetime, list[dict[str, Any]]] = defaultdict(list)
    module = sim.programme().module(sim.MODULE).activity_iri
    sessions = {item.id: item.activity_iri for item in sim.programme().sessions}
    for email in sim.EMAILS:
        plan = sim.behaviour(email)
        if plan.module_done is not None:
            found[plan.module_done].append(statement(email, verbs.COMPLETED, module, plan.module_done))
        for moment in plan.touches:
            found[moment].append(
                statement(email, "http://adlnet.gov/expapi/verbs/initialized", module, moment)
            )
        for sid, start, _end in sim._sessions(sim.END):
            at = sim.attended_at(start)
            if sid in plan.attends and (plan.leaves is None or at < plan.leaves):
                found[at].append(statement(email, verbs.ATTENDED, sessions[sid], at))
    return found


async def live_through(run: Engine, database: Database, clock: ManualClock) -> None:
    """The nine months: statements as learners make them, two withdrawals, and session 5 moved."""
    actions: dict[datetime, Any] = dict(behaviour_statements())
    actions[sim.WITHDRAWN_AT], actions[sim.MOVED_AT] = "withdraw", "move"
    for moment in sorted(actions):
        await run.at(moment)
        if actions[moment] == "withdraw":
            rows = [
                RosterRow(
                    2,
                    sim.name_of(who),
                    who,
                    "",
                    sim.organisation_of(who),
                    "Lead",
                    sim.COHORT,
                    status="withdrawn",
                )
                for who in sim.WITHDRAWN
            ]
            async with database.write_session() as session, session.begin():
                await import_roster(session, rows, now=clock.now)
        elif actions[moment] == "move":
            async with database.write_session() as session, session.begin():
                await save_programme(session, sim.programme(moved=True), source="test", now=clock.now)
        else:
            await post(database, actions[moment], clock)
    await run.at(sim.END)


def expected_weekly() -> dict[str, str]:
    cohort = sim.programme().cohort(sim.COHORT)
    start = datetime.combine(cohort.start, time(), UTC)
    found = {}
    for monday in sim.weekly_mondays(cohort.start, cohort.end):
        week = iso_week(monday)
        found[f"cohort_update:{sim.COHORT}:cohort:{week}"] = "delivered"
        at = datetime.combine(monday, time(8), sim.LONDON).astimezone(UTC)
        anyone = any(sim.behind(email, at, start) for email in sim.EMAILS)
        found[f"team_digest:{sim.COHORT}:cohort:{week}:{recipient_token(sim.TEAM)}"] = (
            "delivered" if anyone else "cancelled"
        )
    return found


def mail(smtp: FakeSmtpServer) -> list[tuple[str, EmailMessage]]:
    return [(parseaddr(str(m.parsed()["To"]))[1], m.parsed()) for m in smtp.captured()]


def calendar_part(message: EmailMessage) -> dict[str, str] | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            lines = part.get_content().replace("\r\n ", "").splitlines()
            event = lines[lines.index("BEGIN:VEVENT") :]  # not the VTIMEZONE's own DTSTARTs
            fields = [line.split(":", 1) for line in event if ":" in line]
            found = {name.split(";")[0]: value for name, value in fields}
            return {**found, "METHOD": next(line[7:] for line in lines if line.startswith("METHOD:"))}
    return None


@pytest.mark.timeout(900)  # nine months of a 50-learner cohort: about a minute on a quiet machine
async def test_fifty_learners_over_nine_months(
    database: Database,
    clock: ManualClock,
    connectors: dict[str, Connector],
    smtp: FakeSmtpServer,
    fake_microsoft: FakeMicrosoft,
) -> None:
    learners = await enrol(database, clock, fake_microsoft)
    run = engine(database, clock, connectors, parse_rules({}))  # the shipped defaults, every rule on
    await live_through(run, database, clock)
    rows = await planned(database)
    dump = os.environ.get("LRS_SIMULATION_DUMP")  # a file to keep the outcome in, for a failing run
    if dump:
        Path(dump).write_text(  # noqa: ASYNC240 - a debugging aid, after the run
            json.dumps({k: [r.state, r.reason, str(r.sent_at)] for k, r in rows.items()}, indent=1)
        )
    by_id = {value: key for key, value in learners.items()}

    expected = sim.expected_messages(learners).states | expected_weekly()
    actual = {key: row.state for key, row in rows.items()}
    differences = {key: (actual.get(key), expected.get(key)) for key in actual.keys() | expected.keys()}
    assert {k: v for k, v in sorted(differences.items()) if v[0] != v[1]} == {}  # (actual, expected)
    check_reasons(rows, by_id)
    check_mail(mail(smtp), rows, by_id, learners)
    check_teams(rows, fake_microsoft)
    check_weekly_content(mail(smtp), fake_microsoft, by_id)


def check_reasons(rows: dict[str, PlannedMessage], by_id: dict[int, str]) -> None:
    for row in rows.values():
        if by_id.get(row.learner_id or 0) == sim.OPTED_OUT and row.category == "nudge":
            assert (row.state, row.reason) == ("cancelled", "the learner opted out of nudge messages")
        elif row.state == "cancelled" and row.rule in {"module_due", "module_overdue"}:
            assert row.reason == f"module {sim.MODULE} is satisfied"
        if row.state == "cancelled" and row.rule == "session_reminder":
            assert row.reason == "the learner withdrew"
        if row.state == "folded":
            assert row.reason and row.reason.startswith(f"folded into catch_up_digest:{sim.COHORT}:")
        if row.rule == "team_digest" and row.state == "cancelled":
            assert row.reason == "no learner is behind"
        if row.rule == "session_reminder" and row.occurrence.startswith("session-5:") and row.sent_at:
            assert row.sent_at >= datetime(2026, 2, 10, 9, 30, tzinfo=UTC)  # by the new date


def check_mail(
    sent: list[tuple[str, EmailMessage]],
    rows: dict[str, PlannedMessage],
    by_id: dict[int, str],
    learners: dict[str, int],
) -> None:
    """Invitations by email for everyone (REQUEST; the moved session's at SEQUENCE 2; CANCEL for the
    withdrawn's later sessions), the learner without the Teams app hears everything by email, the
    team gets the digests; nothing twice."""
    assert max(Counter(str(message["Message-ID"]) for _to, message in sent).values()) == 1
    invites = [(to, calendar_part(message)) for to, message in sent if calendar_part(message) is not None]
    delivered_invites = [
        row for row in rows.values() if row.rule == "session_invite" and row.state == "delivered"
    ]
    assert len(invites) == len(delivered_invites)
    methods = Counter((to, item["METHOD"]) for to, item in invites if item is not None)
    for email in sim.EMAILS:
        requests = 8 if email in sim.WITHDRAWN else 9
        assert methods[(email, "REQUEST")] == requests
        assert methods[(email, "CANCEL")] == (6 if email in sim.WITHDRAWN else 0)
    moved = [
        item
        for to, item in invites
        if item
        and item["UID"].endswith(f":session-5:learner-{learners[to]}")
        and (item["METHOD"], item["SEQUENCE"]) == ("REQUEST", "2")
    ]
    assert len(moved) == 48 and {item["DTSTART"] for item in moved} == {"20260217T093000"}
    others = Counter(to for to, message in sent if calendar_part(message) is None)
    no_app = [
        row
        for row in rows.values()
        if by_id.get(row.learner_id or 0) == sim.NO_APP and row.state == "delivered"
    ]
    assert others == {
        sim.NO_APP: sum(1 for row in no_app if row.rule != "session_invite"),
        sim.TEAM: sum(1 for row in rows.values() if row.rule == "team_digest" and row.state == "delivered"),
    }
    assert {row.channel for row in no_app} == {"email"}


def check_teams(rows: dict[str, PlannedMessage], fake_microsoft: FakeMicrosoft) -> None:
    by_teams = [row for row in rows.values() if row.state == "delivered" and row.channel == "teams"]
    assert len(by_teams) == len(fake_microsoft.ok(r"/teamwork/sendActivityNotification"))
    posts = [row for row in rows.values() if row.rule == "cohort_update"]
    assert {row.channel for row in posts} == {"teams_channel"}
    assert len(fake_microsoft.ok(r"^/workflows/")) == len(posts)


def check_weekly_content(
    sent: list[tuple[str, EmailMessage]], fake_microsoft: FakeMicrosoft, by_id: dict[int, str]
) -> None:
    """The first update in numbers (no names anywhere), and the second week's digest, exactly."""
    cards = [request.body["attachments"][0]["content"] for request in fake_microsoft.ok(r"^/workflows/")]
    assert all(card["version"] == "1.5" for card in cards)
    text = "\n".join(block["text"] for block in cards[0]["body"])
    assert "50 of 50 learners (100%) are on track. 10 modules were completed this week." in text
    assert "- Working in the open across agencies: 20% (due Wednesday 29 October 2025)" in text
    assert "Coming up:\n- Tuesday 7 October 2025 at 09:30: Session 1: Kick-off" in text
    everything = str(cards)
    assert not any(email in everything or sim.name_of(email) in everything for email in sim.EMAILS)
    digests = [message for to, message in sent if to == sim.TEAM]
    body = digests[0].get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    start = datetime(2025, 10, 1, tzinfo=UTC)
    at = datetime(2025, 10, 13, 7, tzinfo=UTC)  # Monday 13 October, 08:00 in London
    behind = [email for email in sim.EMAILS if sim.behind(email, at, start)]
    assert sorted(behind) == sorted([*sim.QUIET, sim.OPTED_OUT])
    names = {org.id: org.name for org in sim.programme().organisations}
    groups: dict[str, list[str]] = defaultdict(list)
    for email in sorted(behind, key=lambda who: (names[sim.organisation_of(who)], sim.name_of(who))):
        groups[names[sim.organisation_of(email)]].append(
            f"- {sim.name_of(email)}: {'; '.join(sim.behind(email, at, start))}"
        )
    listing = "\n\n".join(
        f"{council} ({len(lines)}):\n" + "\n".join(lines)
        for council, lines in sorted(groups.items(), key=lambda item: item[0].lower())
    )
    assert f"are behind this week, by council:\n\n{listing}\n\nOpen the cohort dashboard:" in body
