"""Redacting a written message: a digest that named someone reads the same without them, in its
.json record and in every text part of its .eml (however encoded; the name HTML-escaped in the
HTML part, as templates write it)."""

from __future__ import annotations

import email
import json
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.local.client import list_outbox
from connectors.local.connector import LocalConnector
from connectors.local.redaction import REPLACEMENT, mentions, redact_files, word_pattern
from connectors.local.settings import LocalSettings

NAME, NUMBER = "Siân O'Neill", "AV-40417"
ESCAPED = "Siân O&#39;Neill"  # as the digest's template writes the name
TEAM = "programme.team@example.gov.uk"


def _digest() -> RenderedMessage:
    return RenderedMessage(
        "team_digest:c1:2026-W10@local",
        Recipient(TEAM, "Programme team"),
        f"Behind this week: {NAME} and 2 others",
        f"Ashvale\n- {NAME} ({NUMBER}): no module for 3 weeks\n- Sam Jones: missed a session\n",
        html=f"<table><tr><td>{ESCAPED}</td><td>{NUMBER}</td></tr><tr><td>Sam Jones</td></tr></table>",
    )


async def test_a_redacted_digest_keeps_everyone_else_and_loses_the_person(tmp_path: Path) -> None:
    connector = LocalConnector(LocalSettings(folder=tmp_path))
    assert (await connector.send(_digest())).status is DeliveryStatus.DELIVERED
    (entry,) = list_outbox(tmp_path)
    pattern = word_pattern([NAME.upper(), NUMBER, "x"])  # any case; too short a word is ignored
    assert pattern is not None and mentions(entry.json_path, pattern) and mentions(entry.eml_path, pattern)

    redact_files(entry.json_path, entry.eml_path, pattern)

    assert not mentions(entry.json_path, pattern) and not mentions(entry.eml_path, pattern)
    record = json.loads(entry.json_path.read_text())
    assert record["subject"] == f"Behind this week: {REPLACEMENT} and 2 others"
    assert "Sam Jones" in record["text"] and "Sam Jones" in record["html"]
    parsed = email.message_from_bytes(entry.eml_path.read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage) and parsed["To"] == f"Programme team <{TEAM}>"
    assert parsed["Subject"] == f"Behind this week: {REPLACEMENT} and 2 others"
    plain, rich = (parsed.get_body(("plain",)), parsed.get_body(("html",)))
    assert plain is not None and rich is not None
    assert f"- {REPLACEMENT} ({REPLACEMENT}): no module" in plain.get_content()
    assert "<td>Sam Jones</td>" in rich.get_content() and "Neill" not in rich.get_content()
    assert [item.recipient for item in list_outbox(tmp_path)] == [TEAM]  # still listed, still readable
