"""`connectors check` / `connectors send-test` against real local servers (SMTP, Notify, Microsoft)."""

from __future__ import annotations

import argparse
import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from icalendar import Calendar

from connectors import cli
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.notify import FakeNotifyServer
from tests.fakes.smtp import FakeSmtpServer

__all__ = ["fake_microsoft", "microsoft_ca"]  # fixtures used below

NOW = datetime(2025, 5, 6, 9, 0, tzinfo=UTC)
SENDER = "programmes@council.gov.uk"


@pytest.fixture
def smtp(ca: trustme.CA, ca_file: Path) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer(ca, ca_file) as server:
        yield server


@pytest.fixture
async def notify(ca: trustme.CA, ca_file: Path) -> AsyncIterator[FakeNotifyServer]:
    async with FakeNotifyServer(ca, ca_file) as server:
        yield server


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lrs")
    cli.add_subcommands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


async def run(config: dict[str, Any], *argv: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await cli.run(parse(*argv), config, out=out, clock=lambda: NOW)
    return code, out.getvalue().splitlines()


def test_subcommands_parse() -> None:
    args = parse("connectors", "send-test", "--channel", "notify", "--to", "sam@example.org")
    assert (args.command, args.connectors_command, args.channel, args.to) == (
        "connectors",
        "send-test",
        "notify",
        "sam@example.org",
    )
    with pytest.raises(SystemExit):
        parse("connectors", "send-test", "--channel", "pigeon", "--to", "sam@example.org")


async def test_check_reports_every_channel_ok(smtp: FakeSmtpServer, notify: FakeNotifyServer) -> None:
    code, lines = await run(
        {"email": smtp.settings_table(), "notify": notify.settings_table()}, "connectors", "check"
    )
    assert code == 0
    assert [line.split()[:2] for line in lines] == [["email", "OK"], ["notify", "OK"]]
    assert "NOOP 250" in lines[0]


async def test_check_fails_when_one_channel_fails(smtp: FakeSmtpServer, notify: FakeNotifyServer) -> None:
    config = {"email": smtp.settings_table(password="wrong"), "notify": notify.settings_table()}
    code, lines = await run(config, "connectors", "check")
    assert code == 1
    assert lines[0].split()[:2] == ["email", "FAIL"] and "535" in lines[0]
    assert lines[1].split()[:2] == ["notify", "OK"]


async def test_check_reports_bad_configuration_per_channel(smtp: FakeSmtpServer) -> None:
    code, lines = await run(
        {"email": smtp.settings_table(), "notify": {"api_key": "x"}}, "connectors", "check"
    )
    assert code == 1
    assert lines[0].split()[1] == "OK"
    assert lines[1].split()[:2] == ["notify", "FAIL"] and "connectors.notify.api_key" in lines[1]


async def test_check_with_an_unknown_channel_fails() -> None:
    code, lines = await run({"pigeon": {}}, "connectors", "check")
    assert code == 1 and "connectors.pigeon: unknown channel" in lines[0]


async def test_send_test_email(smtp: FakeSmtpServer) -> None:
    code, lines = await run(
        {"email": smtp.settings_table()},
        "connectors",
        "send-test",
        "--channel",
        "email",
        "--to",
        "sam@partner.example.org",
    )
    assert code == 0
    (captured,) = smtp.captured()
    received = captured.parsed()
    assert captured.rcpt_tos == ("sam@partner.example.org",)
    assert received["Subject"] == "cohort-lrs test message"
    assert lines == [
        f"channel=email status=delivered provider_id={received['Message-ID']} "
        "detail=2.0.0 Message accepted for delivery"
    ]


async def test_send_test_calendar_falls_back_to_an_icalendar_email(smtp: FakeSmtpServer) -> None:
    code, lines = await run(
        {"email": smtp.settings_table()},
        "connectors",
        "send-test",
        "--channel",
        "calendar",
        "--to",
        "sam@partner.example.org",
    )
    assert code == 0 and lines[0].startswith("channel=email status=delivered")
    received = smtp.captured()[0].parsed()
    (part,) = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:sam@partner.example.org"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2025, 5, 8, 10, 0)


async def test_send_test_notify(notify: FakeNotifyServer) -> None:
    code, lines = await run(
        {"notify": notify.settings_table()},
        "connectors",
        "send-test",
        "--channel",
        "notify",
        "--to",
        "sam@partner.example.org",
    )
    (sent,) = notify.notifications
    assert code == 0
    assert lines == [
        f"channel=notify status=delivered provider_id={sent['id']} detail=reference {sent['reference']}"
    ]
    assert sent["personalisation"]["subject"] == "cohort-lrs test message"


async def test_send_test_reports_a_failed_delivery(smtp: FakeSmtpServer) -> None:
    smtp.failures.permanent_recipients.add("gone@partner.example.org")
    code, lines = await run(
        {"email": smtp.settings_table()},
        "connectors",
        "send-test",
        "--channel",
        "email",
        "--to",
        "gone@partner.example.org",
    )
    assert code == 1
    assert lines[0].startswith("channel=email status=permanent_failure provider_id=None address_invalid=true")


async def test_send_test_needs_the_channel_configured(smtp: FakeSmtpServer) -> None:
    code, lines = await run(
        {"email": smtp.settings_table()},
        "connectors",
        "send-test",
        "--channel",
        "notify",
        "--to",
        "sam@partner.example.org",
    )
    assert code == 1 and lines == ["FAIL [connectors.notify] is not configured"]


async def test_graph_mail_through_the_cli(fake_microsoft: FakeMicrosoft) -> None:
    fake_microsoft.add_user(SENDER)
    config = {"graph_mail": fake_microsoft.graph_config(sender=SENDER)}
    check_code, check_lines = await run(config, "connectors", "check")
    code, lines = await run(
        config, "connectors", "send-test", "--channel", "graph_mail", "--to", "ada@example.org"
    )
    assert check_code == 0 and check_lines[0].split()[:2] == ["graph_mail", "OK"]
    assert code == 0 and lines[0].startswith("channel=graph_mail status=delivered")
    (request,) = fake_microsoft.ok(r"/sendMail$")
    assert request.body["message"]["subject"] == "cohort-lrs test message"


async def test_nothing_configured_checks_and_sends_through_the_local_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, lines = await run({}, "connectors", "check")
    assert code == 0
    assert "no channel configured under [connectors]" in lines[0] and "docs/connectors.md" in lines[0]
    assert lines[1].split()[:2] == ["local", "OK"] and "var/outbox" in lines[1]
    code, lines = await run({}, "connectors", "send-test", "--channel", "local", "--to", "ada@council.gov.uk")
    assert code == 0 and lines[0].startswith("channel=local status=delivered")
    assert len(list((tmp_path / "var" / "outbox").glob("*.eml"))) == 1
