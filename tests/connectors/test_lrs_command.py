"""`lrs connectors check|send-test` end to end: the real console command in a subprocess, configured by
a site TOML file, talking to a fake SMTP relay (STARTTLS) and a fake Microsoft 365 (HTTPS), both
trusting only a throwaway trustme CA."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import trustme

from lrs.storage.engine import open_database
from lrs.storage.schema import migrate
from notifications.suppression import StoredSuppressionList
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.smtp import FakeSmtpServer

__all__ = ["fake_microsoft", "microsoft_ca"]  # fixtures used below

LEARNER = "x@example.gov.uk"
ORGANIZER = "academy@council.gov.uk"
SENDER = "programmes@council.gov.uk"
SAMPLE_LINK = "https://example.invalid/cohort-lrs/send-test"
TEAMS_LINK = "https://teams.microsoft.com/l/entity/cohort-teams-app/home"
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "LRS_CONFIG")


@pytest.fixture
def smtp(microsoft_ca: tuple[trustme.CA, Path]) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer(*microsoft_ca, tls="starttls") as server:
        yield server


@pytest.fixture
def site_file(tmp_path: Path, smtp: FakeSmtpServer, fake_microsoft: FakeMicrosoft) -> Path:
    return write_site_file(tmp_path / "site.toml", smtp, fake_microsoft)


def write_site_file(
    path: Path, smtp: FakeSmtpServer, fake_microsoft: FakeMicrosoft, **teams_overrides: Any
) -> Path:
    """The operator's site file: one table per channel, each trusting the test CA by path."""
    for mail in (LEARNER, ORGANIZER, SENDER):
        if fake_microsoft.directory.find(mail) is None:
            fake_microsoft.add_user(mail)
    tables = {
        "email": smtp.settings_table(),
        "teams": fake_microsoft.graph_config(
            teams_app_id="cohort-teams-app", **({"default_web_url": TEAMS_LINK} | teams_overrides)
        ),
        "calendar": fake_microsoft.graph_config(organizer=ORGANIZER),
        "graph_mail": fake_microsoft.graph_config(sender=SENDER),
    }
    path.write_text("".join(toml_table(f"connectors.{name}", table) for name, table in tables.items()))
    return path


def toml_table(name: str, table: Mapping[str, Any]) -> str:
    """TOML for a flat table of strings, numbers and booleans (JSON strings are valid TOML strings)."""
    lines = [f"[{name}]"]
    for key, value in table.items():
        rendered = str(value).lower() if isinstance(value, bool) else json.dumps(value)
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n\n"


async def run_lrs(site_file: Path, *arguments: str) -> tuple[int, str, str]:
    """Run `python -m lrs --config SITE ...` without blocking the loop the fake Microsoft server runs on."""
    environment = {name: value for name, value in os.environ.items() if name not in CA_VARIABLES}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lrs",
        "--config",
        str(site_file),
        *arguments,
        cwd=site_file.parent,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def lrs(site_file: Path, *arguments: str) -> tuple[int, list[str]]:
    """The exit code and stdout lines of an `lrs` command; stderr is printed when it fails."""
    code, stdout, stderr = await run_lrs(site_file, *arguments)
    if code != 0:
        print(stderr)
    return code, stdout.splitlines()


def provider_id(line: str) -> str:
    match = re.search(r"provider_id=(\S+)", line)
    assert match, line
    return match.group(1)


async def test_check_reports_every_configured_channel_ok(site_file: Path, smtp: FakeSmtpServer) -> None:
    code, lines = await lrs(site_file, "connectors", "check")
    assert code == 0, lines
    assert [line.split()[:2] for line in lines] == [
        ["email", "OK"],
        ["teams", "OK"],
        ["calendar", "OK"],
        ["graph_mail", "OK"],
    ]
    assert "(starttls), authenticated as lrs, NOOP 250" in lines[0]
    assert f"organiser {ORGANIZER} exists" in lines[2] and f"sender {SENDER} exists" in lines[3]
    assert smtp.mail_transactions == 0  # a check sends nothing


async def test_check_fails_when_a_channel_cannot_authenticate(
    tmp_path: Path, smtp: FakeSmtpServer, fake_microsoft: FakeMicrosoft
) -> None:
    site_file = write_site_file(tmp_path / "site.toml", smtp, fake_microsoft, client_secret="wrong")
    code, lines = await lrs(site_file, "connectors", "check")
    assert code == 1
    assert [line.split()[1] for line in lines] == ["OK", "FAIL", "OK", "OK"]
    assert "invalid_client" in lines[1]


async def test_send_test_email_is_a_well_formed_message(site_file: Path, smtp: FakeSmtpServer) -> None:
    code, lines = await lrs(site_file, "connectors", "send-test", "--channel", "email", "--to", LEARNER)
    assert code == 0, lines
    (captured,) = smtp.captured()
    message = captured.parsed()
    assert (captured.mail_from, captured.rcpt_tos, captured.authenticated_as) == (
        "noreply@council.example.gov.uk",
        (LEARNER,),
        "lrs",
    )
    assert message["To"] == LEARNER and message["Subject"] == "cohort-lrs test message"
    assert message["From"] == "Digital Leadership Programme <noreply@council.example.gov.uk>"
    assert message.get_content_type() == "multipart/alternative"
    plain, html = (part.get_content() for part in message.iter_parts())
    assert "If you can read it, this channel works." in plain and SAMPLE_LINK in plain
    assert f'href="{SAMPLE_LINK}"' in html
    assert lines == [
        f"channel=email status=delivered provider_id={message['Message-ID']} "
        "detail=2.0.0 Message accepted for delivery"
    ]


async def test_send_test_teams_posts_an_activity_notification(
    site_file: Path, fake_microsoft: FakeMicrosoft
) -> None:
    code, lines = await lrs(site_file, "connectors", "send-test", "--channel", "teams", "--to", LEARNER)
    assert code == 0, lines
    (request,) = fake_microsoft.ok(r"/teamwork/sendActivityNotification$")
    learner = fake_microsoft.directory.find(LEARNER)
    assert (
        learner is not None and request.path == f"/v1.0/users/{learner.id}/teamwork/sendActivityNotification"
    )
    assert request.body["topic"] == {
        "source": "text",
        "value": "cohort-lrs test message",
        "webUrl": TEAMS_LINK,  # the configured default_web_url, not a sample link
    }
    assert request.body["activityType"] == "cohortNudge" and request.body["teamsAppId"] == "cohort-teams-app"
    assert request.body["previewText"]["content"].startswith("This is a test message from cohort-lrs.")
    assert request.headers["authorization"].startswith("Bearer ")
    assert lines[0].startswith("channel=teams status=delivered")
    assert provider_id(lines[0]) == request.reply_headers["request-id"]


async def test_send_test_calendar_creates_a_graph_event_with_a_teams_meeting(
    site_file: Path, fake_microsoft: FakeMicrosoft, smtp: FakeSmtpServer
) -> None:
    code, lines = await lrs(site_file, "connectors", "send-test", "--channel", "calendar", "--to", LEARNER)
    assert code == 0, lines
    (request,) = fake_microsoft.ok(rf"/users/{re.escape(ORGANIZER)}/events$")
    event = request.body
    assert event["subject"] == "cohort-lrs test review day"
    assert event["attendees"] == [{"emailAddress": {"address": LEARNER, "name": LEARNER}, "type": "required"}]
    assert (event["isOnlineMeeting"], event["onlineMeetingProvider"]) == (True, "teamsForBusiness")
    start, end = event["start"], event["end"]
    assert start["timeZone"] == end["timeZone"] == "GMT Standard Time"
    assert start["dateTime"].endswith("T10:00:00") and end["dateTime"].endswith("T11:00:00")
    assert date.fromisoformat(start["dateTime"][:10]) > date.today()
    assert re.fullmatch(r"[0-9a-f-]{36}", event["transactionId"])
    assert lines[0].startswith("channel=calendar status=delivered")
    assert provider_id(lines[0]) == request.reply["id"]
    assert smtp.captured() == []  # with [connectors.calendar] configured, invitations go through Graph


async def test_send_test_graph_mail_sends_from_the_configured_mailbox(
    site_file: Path, fake_microsoft: FakeMicrosoft
) -> None:
    code, lines = await lrs(site_file, "connectors", "send-test", "--channel", "graph_mail", "--to", LEARNER)
    assert code == 0, lines
    (request,) = fake_microsoft.ok(r"/sendMail$")
    assert request.path == f"/v1.0/users/{SENDER}/sendMail"
    message = request.body["message"]
    assert message["subject"] == "cohort-lrs test message"
    assert message["toRecipients"] == [{"emailAddress": {"address": LEARNER}}]


async def test_send_test_honours_the_durable_suppression_list(site_file: Path, smtp: FakeSmtpServer) -> None:
    database = open_database(f"sqlite+aiosqlite:///{site_file.parent / 'var' / 'cohort-lrs.db'}")
    try:
        await migrate(database)
        await StoredSuppressionList(database).suppress(LEARNER, "550 mailbox unavailable (earlier bounce)")
    finally:
        await database.dispose()
    code, lines = await lrs(site_file, "connectors", "send-test", "--channel", "email", "--to", LEARNER)
    assert code == 1
    assert "status=permanent_failure" in lines[0] and LEARNER in lines[0]
    assert smtp.mail_transactions == 0 and smtp.captured() == []


async def test_send_test_teams_without_default_web_url_says_what_is_missing(
    tmp_path: Path, smtp: FakeSmtpServer, fake_microsoft: FakeMicrosoft
) -> None:
    site_file = write_site_file(tmp_path / "site.toml", smtp, fake_microsoft)
    text = site_file.read_text().replace(f'default_web_url = "{TEAMS_LINK}"\n', "")
    site_file.write_text(text)
    code, lines = await lrs(site_file, "connectors", "send-test", "--channel", "teams", "--to", LEARNER)
    assert code == 1
    assert lines[0].startswith("channel=teams status=permanent_failure")
    assert "default_web_url" in lines[0] and "example.invalid" not in lines[0]
    assert not fake_microsoft.ok(r"/teamwork/sendActivityNotification$")


async def test_send_test_when_the_identity_service_answers_503_is_one_line_no_traceback(
    site_file: Path, fake_microsoft: FakeMicrosoft
) -> None:
    fake_microsoft.faults.add(r"/oauth2/v2\.0/token$", 503, retry_after=9, code="temporarily_unavailable")
    code, stdout, stderr = await run_lrs(
        site_file, "connectors", "send-test", "--channel", "teams", "--to", LEARNER
    )
    assert code == 1
    assert "Traceback" not in stderr
    assert stdout.splitlines() == [
        "channel=teams status=retry provider_id=None retry_after=9s "
        "detail=token endpoint unavailable: HTTP 503"
    ]
