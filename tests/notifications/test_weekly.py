"""The weekly rules end to end with a frozen clock: the cohort update posted to the Teams channel (the
fake Workflows webhook, which checks the Adaptive Card) in aggregate only, the programme team digest
by real SMTP (MIME parsed back) with the learners behind by council and why, nothing twice, a week
with nobody behind cancelled with its reason, and a programme change moving or cancelling the rest."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.base import Connector
from connectors.local.connector import create_connector as create_local_connector
from connectors.teams_channel.connector import create_connector as create_channel_connector
from lrs.programme.fields import DefinitionError
from lrs.programme.loader import parse_programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.storage.engine import Database
from lrs.storage.programme_models import LearnerRow
from notifications.rules import parse_rules
from notifications.weekly import recipient_token
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import BASE, post, statement
from tests.notifications.engine import due_definition, engine, planned
from tests.notifications.support import ManualClock, clock, email_connector

__all__ = ["clock", "fake_microsoft", "microsoft_ca"]  # fixtures used below

TEAM, LEAD = "academy-team@lga.example", "programme-lead@lga.example"
LEARNERS = [("Ada Lovelace", "ada@north.gov.uk", "north"), ("Ben Okri", "ben@north.gov.uk", "north")]
LEARNERS += [("Cy Twombly", "cy@south.gov.uk", "south")]
# Only the weekly rules: the learners' own messages have their tests.
LEARNER_RULES = ["welcome", "session_invite", "session_reminder", "missed_session", "module_due"]
LEARNER_RULES += ["module_overdue", "inactivity", "review_day_invite", "congratulations", "catch_up_digest"]
WEEKLY_ONLY = parse_rules(dict.fromkeys(LEARNER_RULES, False))


def definition(**notifications: Any) -> dict[str, Any]:
    found = due_definition()
    found["organisations"] = [
        {"id": "north", "name": "North Council", "sector": "council"},
        {"id": "south", "name": "South Council", "sector": "council"},
    ]
    found["notifications"] = {"team_digest": {"to": [TEAM, LEAD]}, **notifications}
    return found


@pytest.fixture
async def channels(
    smtp: FakeSmtpServer, fake_microsoft: FakeMicrosoft, database: Database, clock: ManualClock
) -> AsyncIterator[dict[str, Connector]]:
    url = fake_microsoft.workflows.add(fake_microsoft.base_url)
    channel = create_channel_connector({"webhook_url": url, "ca_bundle": str(fake_microsoft.ca_path)})
    email = email_connector(smtp, database, clock)
    yield {"teams_channel": channel, "email": email}
    await channel.close()
    await email.close()


async def install(
    database: Database, now: datetime, programme: dict[str, Any] | None = None
) -> dict[str, int]:
    rows = [
        RosterRow(n + 2, name, address, "", org, "Head of Service", "lead-1")
        for n, (name, address, org) in enumerate(LEARNERS)
    ]
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(programme or definition()), source="test", now=now)
        await import_roster(session, rows, now=now)
        return dict((await session.execute(select(LearnerRow.email, LearnerRow.id))).all())


def posted_cards(fake_microsoft: FakeMicrosoft) -> list[dict[str, Any]]:
    return [r.body["attachments"][0]["content"] for r in fake_microsoft.ok(r"^/workflows/")]


def card_text(card: dict[str, Any]) -> str:
    return "\n".join(block["text"] for block in card["body"])


def digests(smtp: FakeSmtpServer) -> list[tuple[str, EmailMessage]]:
    return [(parseaddr(str(m.parsed()["To"]))[1], m.parsed()) for m in smtp.captured()]


async def test_the_cohort_update_and_the_team_digest_each_week(
    database: Database,
    clock: ManualClock,
    channels: dict[str, Connector],
    smtp: FakeSmtpServer,
    fake_microsoft: FakeMicrosoft,
) -> None:
    await install(database, clock.now)
    run = engine(database, clock, channels, WEEKLY_ONLY)
    await run.at(datetime(2026, 1, 6, tzinfo=UTC))  # Monday 5 January: the first week
    rows = await planned(database)
    week2 = rows["cohort_update:lead-1:cohort:2026-W02"]
    assert (week2.state, week2.channel, week2.sent_at) == (
        "delivered",
        "teams_channel",
        datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
    )
    first = card_text(posted_cards(fake_microsoft)[0])
    assert "3 of 3 learners (100%) are on track." in first
    assert "Nothing is scheduled in the next 14 days." in first
    for address in (TEAM, LEAD):  # nobody is behind in the first week: no digest, and the log says why
        digest = rows[f"team_digest:lead-1:cohort:2026-W02:{recipient_token(address)}"]
        assert (digest.state, digest.reason) == ("cancelled", "no learner is behind")
    assert smtp.captured() == []

    await post(database, [statement("ada@north.gov.uk", verbs.COMPLETED, f"{BASE}/intro", clock.now)], clock)
    await run.at(datetime(2026, 1, 20, 12, tzinfo=UTC))
    passed = statement(
        "ada@north.gov.uk", verbs.PASSED, f"{BASE}/quiz", clock.now, result={"score": {"scaled": 0.9}}
    )
    await post(database, [passed], clock)
    await run.at(datetime(2026, 1, 26, 12, tzinfo=UTC))
    cards = posted_cards(fake_microsoft)
    assert len(cards) == 4 and all(card["version"] == "1.5" for card in cards)
    latest = card_text(cards[-1])  # Monday 26 January
    assert "1 of 3 learners (33%) are on track. 1 module was completed this week." in latest
    assert "- Intro: 33% (due Monday 2 February 2026)\n- Quiz: 33% (due Monday 16 February 2026)" in latest
    assert "Coming up:\n- Monday 2 February 2026: Intro is due" in latest
    for name, address, _org in LEARNERS:  # aggregate only: no name, no address, in any card
        assert all(name.split()[0] not in card_text(card) and address not in str(card) for card in cards)
    sent = digests(smtp)
    assert Counter(to for to, _message in sent) == {TEAM: 2, LEAD: 2}  # weeks 4 and 5, one per address
    _to, message = sent[-1]
    assert str(message["Subject"]) == "Lead 1: 2 learners behind"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "2 of 3 learners in Lead 1 (Lead) are behind this week, by council:" in text
    assert "North Council (1):\n- Ben Okri: inactive 21 days" in text
    assert "South Council (1):\n- Cy Twombly: inactive 21 days" in text
    assert "Ada" not in text
    assert text.index("North Council") < text.index("South Council")
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<h2 style="font-size: 20px; margin: 25px 0 10px;">South Council (1)</h2>' in html
    assert "https://lrs.test/dashboard/cohorts/lead-1" in html
    assert max(Counter(str(m["Message-ID"]) for _to, m in sent).values()) == 1
    await run.run()  # nothing due: nothing twice
    assert len(smtp.captured()) == 4 and len(posted_cards(fake_microsoft)) == 4


async def test_a_programme_change_moves_the_weekly_messages_or_cancels_them(
    database: Database, clock: ManualClock, channels: dict[str, Connector], fake_microsoft: FakeMicrosoft
) -> None:
    await install(database, clock.now)
    run = engine(database, clock, channels, WEEKLY_ONLY)
    await run.at(datetime(2026, 1, 6, tzinfo=UTC))
    before = await planned(database)
    changed = definition(cohort_update={"weekday": "friday", "time": "16:00"}, team_digest={"to": [TEAM]})
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(changed), source="test", now=clock.now)
    await run.run()
    after = await planned(database)
    assert set(after) == set(before)  # the same weeks: moved, not added
    update = after["cohort_update:lead-1:cohort:2026-W03"]
    assert (update.state, update.due_at) == ("planned", datetime(2026, 1, 16, 16, tzinfo=UTC))
    assert after["cohort_update:lead-1:cohort:2026-W02"].state == "delivered"  # gone out: left alone
    lead = after[f"team_digest:lead-1:cohort:2026-W03:{recipient_token(LEAD)}"]
    assert (lead.state, lead.reason) == ("cancelled", "no longer in the programme (changed)")
    assert after[f"team_digest:lead-1:cohort:2026-W03:{recipient_token(TEAM)}"].state == "planned"

    switched_off = definition(cohort_update=False)
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(switched_off), source="test", now=clock.now)
    await run.at(datetime(2026, 2, 1, tzinfo=UTC))
    final = await planned(database)
    updates = [row for row in final.values() if row.rule == "cohort_update"]
    assert Counter(row.state for row in updates) == {"cancelled": 25, "delivered": 1}
    assert len(fake_microsoft.ok(r"^/workflows/")) == 1
    lead = final[f"team_digest:lead-1:cohort:2026-W06:{recipient_token(LEAD)}"]
    assert lead.state == "planned"  # the whole team again once the programme names them again


async def test_with_only_the_local_channel_both_are_written_to_the_outbox(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    await install(database, clock.now)
    folder = tmp_path / "outbox"
    local = create_local_connector({"folder": str(folder)})
    run = engine(database, clock, {"local": local}, WEEKLY_ONLY)
    await run.at(datetime(2026, 1, 19, 10, tzinfo=UTC))
    records = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    by_rule = Counter(record["metadata"]["rule"] for record in records)
    assert by_rule == {"cohort_update": 3, "team_digest": 2}  # weeks 2-4; week 4's digest to both
    cards = [record["card"] for record in records if record["metadata"]["rule"] == "cohort_update"]
    assert all(card["version"] == "1.5" and card["type"] == "AdaptiveCard" for card in cards)
    digest = [record for record in records if record["metadata"]["rule"] == "team_digest"]
    assert {record["recipient"]["email"] for record in digest} == {TEAM, LEAD}
    eml = BytesParser(policy=default).parsebytes((folder / digest[0]["eml"]).read_bytes())
    text = eml.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "North Council (2):\n- Ada Lovelace: inactive 14 days\n- Ben Okri: inactive 14 days" in text


# What the English set says of a learner who is behind, and of dates: none of it in a Welsh message.
ENGLISH_REASONS = ("inactive", "days", "overdue module", "missed session")
ENGLISH_DATE_WORDS = ("Monday", "Tuesday", "February", " at ", "Online (Teams)")


async def test_a_welsh_programme_gets_the_reasons_and_dates_in_welsh(
    database: Database,
    clock: ManualClock,
    channels: dict[str, Connector],
    smtp: FakeSmtpServer,
    fake_microsoft: FakeMicrosoft,
) -> None:
    await install(database, clock.now, definition(language="cy"))
    run = engine(database, clock, channels, WEEKLY_ONLY)
    await post(database, [statement("ada@north.gov.uk", verbs.COMPLETED, f"{BASE}/intro", clock.now)], clock)
    await run.at(datetime(2026, 2, 16, 12, tzinfo=UTC))  # Monday 16 February, after session s1
    _to, message = digests(smtp)[-1]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "- Ada Lovelace: dim gweithgarwch ers 42 diwrnod; wedi colli sesiwn: S1\n" in text
    assert "- Ben Okri: dim gweithgarwch ers 42 diwrnod; modiwl yn hwyr: Intro; wedi colli sesiwn: S1" in text
    assert "wedi colli sesiwn: S1" in html
    for english in ENGLISH_REASONS:
        assert english not in text and english not in html and english not in str(message["Subject"])
    card = card_text(posted_cards(fake_microsoft)[-1])
    assert "Dydd Mawrth 17 Chwefror 2026 am 10:00: S2" in card
    assert "(erbyn Dydd Llun 2 Chwefror 2026)" in card
    for english in ENGLISH_DATE_WORDS:
        assert english not in card


def two_cohort_definition(programme_channel: str | None, cohort_channel: str) -> dict[str, Any]:
    """lead-1 takes the programme's channel (or the site's), lead-2 names its own."""
    found = definition(cohort_update={"teams_channel": programme_channel} if programme_channel else {})
    second = {**found["cohorts"][0], "id": "lead-2", "title": "Lead 2", "teams_channel": cohort_channel}
    found["cohorts"].append(second)
    for session in found["sessions"]:
        session["cohort"] = "lead-1"
    return found


def workflow_of(url: str) -> str:
    return url.split("/workflows/")[1].split("/")[0]


async def test_each_cohort_posts_to_its_own_channel_the_site_one_as_a_fallback(
    database: Database, clock: ManualClock, fake_microsoft: FakeMicrosoft
) -> None:
    site, programme, cohort = (fake_microsoft.workflows.add(fake_microsoft.base_url) for _ in range(3))
    connector = create_channel_connector(
        {
            "webhook_url": site,
            "channels": {"lead-room": {"webhook_url": programme}, "lead-2-room": {"webhook_url": cohort}},
            "ca_bundle": str(fake_microsoft.ca_path),
        }
    )
    rows = [
        RosterRow(2, "Ada Lovelace", "ada@north.gov.uk", "", "north", "Head of Service", "lead-1"),
        RosterRow(3, "Ben Okri", "ben@north.gov.uk", "", "north", "Head of Service", "lead-2"),
    ]
    async with database.write_session() as session, session.begin():
        saved = parse_programme(two_cohort_definition("lead-room", "lead-2-room"))
        await save_programme(session, saved, source="test", now=clock.now)
        await import_roster(session, rows, now=clock.now)
    run = engine(database, clock, {"teams_channel": connector}, WEEKLY_ONLY)
    try:
        await run.at(datetime(2026, 1, 6, tzinfo=UTC))  # week 2: one update per cohort
        posted = Counter(workflow_of(r.path) for r in fake_microsoft.ok(r"^/workflows/"))
        assert posted == {workflow_of(programme): 1, workflow_of(cohort): 1}

        async with database.write_session() as session, session.begin():  # the programme names none
            changed = parse_programme(two_cohort_definition(None, "lead-2-room"))
            await save_programme(session, changed, source="test", now=clock.now)
        await run.at(datetime(2026, 1, 13, tzinfo=UTC))  # week 3
        posted = Counter(workflow_of(r.path) for r in fake_microsoft.ok(r"^/workflows/"))
        assert posted == {workflow_of(programme): 1, workflow_of(cohort): 2, workflow_of(site): 1}

        async with database.write_session() as session, session.begin():  # a channel the site lacks
            unknown = parse_programme(two_cohort_definition(None, "nowhere"))
            await save_programme(session, unknown, source="test", now=clock.now)
        await run.at(datetime(2026, 1, 20, tzinfo=UTC))  # week 4
        week4 = (await planned(database))["cohort_update:lead-2:cohort:2026-W04"]
        assert week4.state == "failed"
        assert week4.reason == (
            "teams_channel: cohorts[1].teams_channel: no channel 'nowhere' in "
            "[connectors.teams_channel.channels] (known: lead-2-room, lead-room)"
        )
        assert (await planned(database))["cohort_update:lead-1:cohort:2026-W04"].state == "delivered"
    finally:
        await connector.close()


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("cohort", "Lead Room!", "cohorts[0].teams_channel: 'Lead Room!' must be a slug"),
        ("programme", "https://x.example/hook?sig=1", "notifications.cohort_update.teams_channel: expected"),
        ("programme", "Lead Room", "notifications.cohort_update.teams_channel: expected the name of a"),
    ],
)
def test_a_bad_channel_name_is_refused_at_load_with_its_key_path(
    where: str, value: str, message: str
) -> None:
    found = definition(cohort_update={"teams_channel": value} if where == "programme" else {})
    if where == "cohort":
        found["cohorts"][0]["teams_channel"] = value
    with pytest.raises(DefinitionError) as raised:
        parse_programme(found)
    assert str(raised.value).startswith(message)
    assert "sig=1" not in str(raised.value)  # a webhook URL given by mistake is never echoed
