"""A programme's own template folder and links: its files win file by file, its module and catch-up
URLs are the messages' links, and a template of its that does not render fails only that rule's
messages (the reason names the template) while every other rule is delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from lrs.programme.definition import programme_definition
from lrs.programme.fields import DefinitionError
from lrs.programme.loader import parse_programme
from lrs.storage.engine import Database
from notifications.context import LearnerFacts, programme_link
from notifications.rules import RulesError, parse_rules
from notifications.suppression import StoredSuppressionList
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import COHORT_START
from tests.notifications.engine import due_definition, engine, install, states
from tests.notifications.support import ManualClock

ADA = "ada@north.gov.uk"
INTRO_URL = "https://learn.north.gov.uk/lead/intro"
S1_RECORDING = "https://learn.north.gov.uk/lead/s1-recording"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(COHORT_START - timedelta(days=3) + timedelta(hours=9))


@pytest.fixture
async def email(
    smtp: FakeSmtpServer, database: Database, clock: ManualClock
) -> AsyncIterator[EmailConnector]:
    settings = EmailSettings.from_mapping(smtp.settings_table())
    suppression = StoredSuppressionList(database, clock=clock)
    connector = EmailConnector(settings, suppression=suppression, clock=clock)
    yield connector
    await connector.close()


def linked_definition() -> dict[str, Any]:
    definition = due_definition()
    definition["modules"][0]["url"] = INTRO_URL
    definition["sessions"][0]["catch_up_url"] = S1_RECORDING
    definition["notifications"] = {"templates": "lead-templates", "inactivity": True}
    return definition


def write_templates(root: Path) -> None:
    due = root / "lead-templates" / "en" / "module_due"
    due.mkdir(parents=True)
    (due / "subject.txt").write_text("Finish {{ module_title }} by {{ due_date_local }}")
    inactive = root / "lead-templates" / "en" / "inactivity"
    inactive.mkdir(parents=True)
    (inactive / "body.txt").write_text("Hello {{ first_nam }},")


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_the_programmes_templates_and_links_and_a_broken_one_fails_alone(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer, tmp_path: Path
) -> None:
    write_templates(tmp_path)
    _programme, learners = await install(database, [ADA], clock.now, linked_definition())
    run = engine(database, clock, {"email": email})
    run.sender.options = replace(run.sender.options, templates_root=tmp_path)
    await run.at(datetime(2026, 2, 11, 12, tzinfo=UTC))
    ada = learners[ADA]
    found = await states(database)
    inactivity = next(key for key in found if key.startswith(f"inactivity:lead-1:learner-{ada}:"))
    assert found[inactivity] == (
        "failed",
        "email: did not render: template en/inactivity/body.txt: 'first_nam' is undefined",
    )
    assert found[f"module_due:lead-1:learner-{ada}:intro:P7D"] == ("delivered", None)
    assert found[f"missed_session:lead-1:learner-{ada}:s1"] == ("delivered", None)
    mails = {str(m.parsed()["Subject"]): m.parsed() for m in smtp.captured()}
    due = mails["Finish Intro by Monday 2 February 2026"]  # the programme's subject, the shipped body
    assert f"Continue here: {INTRO_URL}" in body(due) and "Hello Learner0," in body(due)
    assert f"Your first step: start Intro. Open it here: {INTRO_URL}" in body(mails["Welcome to Lead"])
    assert f"You can catch up here: {S1_RECORDING}" in body(mails["Catch up on S1"])


async def test_a_missing_template_folder_fails_with_its_name(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer, tmp_path: Path
) -> None:
    _programme, learners = await install(database, [ADA], clock.now, linked_definition())
    run = engine(database, clock, {"email": email})
    run.sender.options = replace(run.sender.options, templates_root=tmp_path)
    await run.run()
    state, reason = (await states(database))[f"welcome:lead-1:learner-{learners[ADA]}:enrolment"]
    assert state == "failed" and f"notifications.templates: no folder {tmp_path / 'lead-templates'}" in (
        reason or ""
    )
    assert smtp.captured() == []


def test_links_round_trip_and_must_be_https() -> None:
    programme = parse_programme(linked_definition())
    assert programme.modules[0].url == INTRO_URL and programme.sessions[0].catch_up_url == S1_RECORDING
    assert parse_programme(programme_definition(programme)) == programme
    bad = linked_definition()
    bad["sessions"][0]["catch_up_url"] = "http://learn.north.gov.uk/s1"
    with pytest.raises(DefinitionError, match=r"sessions\[0\]\.catch_up_url: must be an https:// URL"):
        parse_programme(bad)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"templates": 3}, "notifications.templates: expected the name of a template folder, got 3"),
        ({"language": "fr"}, "notifications.language: expected one of en, cy, got 'fr'"),
        ({"sending_windows": "no"}, "notifications.sending_windows: expected true or false, got 'no'"),
    ],
)
def test_engine_settings_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesError) as raised:
        parse_rules(table)
    assert str(raised.value) == message


def test_where_you_left_off_is_the_next_unfinished_module_unless_the_programme_has_a_home() -> None:
    programme = parse_programme(linked_definition())
    finished_intro = LearnerFacts(1, "Ada Lovelace", ADA, open_modules=("quiz",))
    assert programme_link(programme, finished_intro, "https://lrs.test") == programme.modules[1].activity_iri
    assert programme_link(programme, LearnerFacts(1, "Ada", ADA), "https://lrs.test") == INTRO_URL
    definition = linked_definition()
    definition["programme"]["url"] = "https://learn.north.gov.uk/lead"
    homed = parse_programme(definition)
    assert programme_link(homed, finished_intro, "https://lrs.test") == "https://learn.north.gov.uk/lead"
