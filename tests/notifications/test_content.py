"""Templates, signed links and sending windows (notify_content interface)."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from notifications.links import LinkProblem, make_token, verify_token
from notifications.preferences import Preferences
from notifications.template_samples import SAMPLE_CONTEXTS
from notifications.templates import CHANNELS, LANGUAGES, TemplateProblem, check_templates, render
from notifications.windows import next_send_time

KEY = b"k" * 32


@pytest.mark.parametrize("rule", sorted(SAMPLE_CONTEXTS))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_every_rule_renders_in_every_language_and_channel(rule: str, language: str, channel: str) -> None:
    content = render(rule, channel, SAMPLE_CONTEXTS[rule], language=language)
    assert content.subject and "{{" not in content.subject + content.text
    if channel in ("email", "local"):
        assert content.html is not None and f'lang="{language}"' in content.html
        message = EmailMessage()
        message["Subject"] = content.subject
        message.set_content(content.text)
        message.add_alternative(content.html, subtype="html")
        parsed = email.message_from_bytes(message.as_bytes())
        assert parsed.get_content_type() == "multipart/alternative"
    else:
        assert content.card is not None
        card = json.loads(json.dumps(content.card))
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
        assert all(block["type"] == "TextBlock" and block["text"] for block in card["body"])
        assert card["body"][0]["text"] == content.subject


def test_welsh_differs_from_english_and_html_escapes() -> None:
    context = {**SAMPLE_CONTEXTS["welcome"], "first_name": "<b>Amira</b>"}
    english = render("welcome", "email", context)
    welsh = render("welcome", "email", context, language="cy")
    assert welsh.subject.startswith("Croeso") and english.subject.startswith("Welcome")
    assert "<b>Amira</b>" not in (welsh.html or "") and "&lt;b&gt;Amira&lt;/b&gt;" in (welsh.html or "")


def test_missing_key_names_rule_language_and_file() -> None:
    context = dict(SAMPLE_CONTEXTS["module_due"])
    del context["due_date_local"]
    with pytest.raises(TemplateProblem, match=r"cy/module_due/subject.txt.*due_date_local"):
        render("module_due", "email", context, language="cy")


def test_override_wins_and_broken_override_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "en" / "inactivity"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Come back to {{ programme_title }}")
    assert render("inactivity", "email", SAMPLE_CONTEXTS["inactivity"], override_dir=tmp_path).subject == (
        "Come back to Leading Places"
    )
    (folder / "subject.txt").write_text("{{ no_such_key }}")
    problems = check_templates(tmp_path)
    assert problems and all(p.rule == "inactivity" and p.file == "subject.txt" for p in problems)
    assert check_templates() == []


def test_tokens_are_purpose_bound_signed_and_expire() -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    token = make_token(42, "unsubscribe", KEY, now=now)
    assert verify_token(token, "unsubscribe", KEY, now=now) == 42
    with pytest.raises(LinkProblem, match="not preferences"):
        verify_token(token, "preferences", KEY, now=now)
    with pytest.raises(LinkProblem, match="signature"):
        verify_token(token, "unsubscribe", b"x" * 32, now=now)
    with pytest.raises(LinkProblem, match="signature"):
        verify_token(token.replace("42.", "43.", 1), "unsubscribe", KEY, now=now)
    with pytest.raises(LinkProblem, match="expired"):
        verify_token(token, "unsubscribe", KEY, now=now + timedelta(days=91))


def test_quiet_hours_weekends_and_bank_holidays() -> None:
    prefs = Preferences()
    # Friday 18:30 London (GMT) -> Monday 08:00
    assert next_send_time(datetime(2027, 1, 15, 18, 30, tzinfo=UTC), prefs) == datetime(
        2027, 1, 18, 8, tzinfo=UTC
    )
    # inside the window stays as is
    assert next_send_time(datetime(2027, 1, 14, 9, tzinfo=UTC), prefs) == datetime(2027, 1, 14, 9, tzinfo=UTC)
    # Christmas Eve evening 2026 (Thursday) -> Tuesday 29 Dec (25, 28 holidays; 26-27 weekend)
    assert next_send_time(datetime(2026, 12, 24, 19, tzinfo=UTC), prefs) == datetime(
        2026, 12, 29, 8, tzinfo=UTC
    )
    # St Andrew's Day is a holiday in Scotland only
    monday = datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert next_send_time(monday, prefs) == monday
    assert next_send_time(monday, Preferences(nation="scotland")) == datetime(2026, 12, 1, 8, tzinfo=UTC)


def test_dst_edges_use_local_wall_clock() -> None:
    prefs = Preferences()
    # Saturday before spring-forward -> Monday 30 March 2026 08:00 BST = 07:00 UTC
    assert next_send_time(datetime(2026, 3, 28, 12, tzinfo=UTC), prefs) == datetime(
        2026, 3, 30, 7, tzinfo=UTC
    )
    # Friday after autumn change (GMT again): 07:30 UTC is 07:30 local, quiet -> 08:00 UTC
    assert next_send_time(datetime(2026, 10, 30, 7, 30, tzinfo=UTC), prefs) == datetime(
        2026, 10, 30, 8, tzinfo=UTC
    )
    # 07:30 UTC on Friday 23 October is 08:30 BST: allowed
    assert next_send_time(datetime(2026, 10, 23, 7, 30, tzinfo=UTC), prefs) == datetime(
        2026, 10, 23, 7, 30, tzinfo=UTC
    )
