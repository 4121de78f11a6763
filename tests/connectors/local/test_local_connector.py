"""The embedded default channel: real .eml (MIME, ICS attached) and .json files, once per key."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from icalendar import Calendar

from connectors import registry
from connectors.base import CalendarInvite, DeliveryStatus, Recipient, RenderedMessage
from connectors.local.client import list_outbox
from connectors.local.connector import LocalConnector, create_connector
from connectors.local.settings import LocalSettings

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _nudge(key: str, subject: str = "Module 3 is open", to: str = "ada@council.gov.uk") -> RenderedMessage:
    return RenderedMessage(
        key,
        Recipient(to, "Ada Lovelace"),
        subject,
        "Your next module is ready.",
        html="<p>Your next module is ready.</p>",
        deep_link="https://lrs.example/m/3",
    )


def _invitation(key: str) -> RenderedMessage:
    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    invite = CalendarInvite(
        uid="review-1@cohort-lrs",
        sequence=2,
        title="Review day",
        description="Bring your portfolio.",
        start=start,
        end=start + timedelta(hours=2),
        attendees=(Recipient("ada@council.gov.uk"),),
    )
    return RenderedMessage(
        key, Recipient("ada@council.gov.uk"), "Invitation: Review day", "See you.", invite=invite
    )


def _connector(folder: Path, times: list[datetime]) -> LocalConnector:
    clock = iter(times)
    return LocalConnector(LocalSettings(folder=folder), clock=lambda: next(clock))


def _parse(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


async def test_a_nudge_is_written_once_as_eml_and_json(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    connector = _connector(folder, [T0, T0 + timedelta(minutes=1)])
    first = await connector.send(_nudge("nudge:ada:module-3"))
    again = await connector.send(_nudge("nudge:ada:module-3", subject="changed"))
    assert first.status is DeliveryStatus.DELIVERED and again.status is DeliveryStatus.DELIVERED
    assert again.provider_id == first.provider_id and again.detail == "already written"
    assert sorted(p.suffix for p in folder.iterdir()) == [".eml", ".json"]
    (eml,) = folder.glob("*.eml")
    message = _parse(eml)
    assert message["To"] == "Ada Lovelace <ada@council.gov.uk>"
    assert message["Subject"] == "Module 3 is open" and message.get_content_type() == "multipart/alternative"
    plain, html = (part.get_content() for part in message.iter_parts())
    assert plain.strip() == "Your next module is ready." and "<p>Your next module" in html
    record = json.loads((folder / f"{first.provider_id}.json").read_text())
    assert record["idempotency_key"] == "nudge:ada:module-3"
    assert record["subject"] == "Module 3 is open" and record["recipient"]["email"] == "ada@council.gov.uk"
    assert record["written_at"] == "2026-03-02T09:30:00+00:00" and record["eml"] == eml.name
    assert not list(folder.glob(".*.tmp"))


async def test_an_invitation_carries_the_ics_attached(tmp_path: Path) -> None:
    connector = _connector(tmp_path, [T0])
    result = await connector.send(_invitation("invite:review-1:2"))
    message = _parse(tmp_path / f"{result.provider_id}.eml")
    assert message.get_content_type() == "multipart/mixed"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    calendar = Calendar.from_ical(attachment.get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "review-1@cohort-lrs" and int(event["SEQUENCE"]) == 2
    record = json.loads((tmp_path / f"{result.provider_id}.json").read_text())
    assert record["invite"]["uid"] == "review-1@cohort-lrs"


async def test_list_outbox_is_newest_first_and_skips_foreign_files(tmp_path: Path) -> None:
    connector = _connector(tmp_path, [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)])
    await connector.send(_nudge("k-old", "Oldest"))
    await connector.send(_invitation("k-invite"))
    await connector.send(_nudge("k-new", "Newest", to="bob@council.gov.uk"))
    (tmp_path / "notes.json").write_text('{"not": "ours"}')
    (tmp_path / "broken.json").write_text("{")
    entries = list_outbox(tmp_path)
    assert [(e.idempotency_key, e.subject, e.recipient, e.has_invite) for e in entries] == [
        ("k-new", "Newest", "bob@council.gov.uk", False),
        ("k-invite", "Invitation: Review day", "ada@council.gov.uk", True),
        ("k-old", "Oldest", "ada@council.gov.uk", False),
    ]
    assert all(e.eml_path.is_file() and e.json_path.is_file() for e in entries)
    assert list_outbox(tmp_path / "missing") == []


async def test_check_and_an_unwritable_folder(tmp_path: Path) -> None:
    ok = await LocalConnector(LocalSettings(folder=tmp_path / "var" / "outbox")).check()
    assert ok.ok and not (tmp_path / "var").exists()  # a check creates nothing
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    connector = LocalConnector(LocalSettings(folder=blocker / "outbox"))
    checked = await connector.check()
    assert not checked.ok and "is not a directory" in checked.detail
    failed = await connector.send(_nudge("k"))
    assert failed.status is DeliveryStatus.PERMANENT_FAILURE and "cannot write to" in failed.detail


def test_settings_default_folder_and_errors_name_the_key() -> None:
    assert create_connector({}).settings.folder == Path("var/outbox")
    with pytest.raises(ValueError, match=r"connectors\.local\.colour"):
        create_connector({"colour": "blue"})


def test_the_registry_uses_the_local_channel_when_nothing_is_configured() -> None:
    assert registry.channels_in_use({}) == ["local"]
    assert registry.channels_in_use({"email": {"host": "x"}}) == ["email"]
    assert registry.table_for("local", {}) == {}
    assert isinstance(registry.create("local", {"folder": "x"}), LocalConnector)


async def test_an_address_with_non_ascii_characters_is_written_as_utf8_mime(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    connector = _connector(folder, [T0])
    sent = await connector.send(_nudge("nudge:sian:module-1", to="siân.ellis@cyngor.cymru"))
    assert sent.status is DeliveryStatus.DELIVERED, sent.detail
    (eml,) = folder.glob("*.eml")
    message = _parse(eml)
    assert str(message["To"]) == "Ada Lovelace <siân.ellis@cyngor.cymru>"  # raw UTF-8, as SMTPUTF8 sends it
    assert message["Subject"] == "Module 3 is open"
