"""Rule settings: the shipped defaults, overrides, and errors that name the key path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.rules import (
    RULE_CATEGORIES,
    Category,
    RulesError,
    default_rules,
    format_duration,
    parse_rules,
)


def test_the_shipped_defaults_come_from_config_notifications_toml() -> None:
    rules = default_rules()
    assert set(rules.rules) == set(RULE_CATEGORIES)
    assert rules.nudge_cap == 2 and rules.cap_window == timedelta(days=7)
    assert rules.offsets("session_reminder", "before") == (timedelta(days=7), timedelta(days=1))
    assert rules.offsets("missed_session", "after") == (timedelta(hours=2),)
    assert all(rules.enabled(name) for name in RULE_CATEGORIES)
    assert RULE_CATEGORIES["catch_up_digest"] is Category.NUDGE
    assert RULE_CATEGORIES["session_reminder"] is Category.REMINDER


def test_a_programme_overrides_rule_by_rule() -> None:
    rules = parse_rules(
        {"module_due": {"before": ["P2W", "P1DT12H"]}, "cohort_update": False, "nudge_cap": 3},
        path="programmes.lead.notifications",
    )
    assert rules.offsets("module_due", "before") == (timedelta(days=14), timedelta(days=1, hours=12))
    assert not rules.enabled("cohort_update")
    assert rules.nudge_cap == 3
    assert rules.offsets("session_reminder", "before") == (timedelta(days=7), timedelta(days=1))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"module_reminder": True}, "notifications.module_reminder: unknown rule (known: welcome,"),
        (
            {"module_due": {"before": ["P7D", "7 days"]}},
            "notifications.module_due.before[1]: '7 days' is not",
        ),
        ({"module_due": {"before": "P"}}, "notifications.module_due.before[0]: 'P' is not an ISO 8601"),
        (
            {"module_due": {"after": ["P1D"]}},
            "notifications.module_due.after: unknown setting (known: enabled, before)",
        ),
        ({"welcome": {"enabled": "yes"}}, "notifications.welcome.enabled: expected true or false, got 'yes'"),
        ({"welcome": "on"}, "notifications.welcome: expected true, false or a table, got str"),
        ({"nudge_cap": -1}, "notifications.nudge_cap: expected a whole number of nudges, 0 or more, got -1"),
        ({"cap_window": "PT"}, "notifications.cap_window: 'PT' is not an ISO 8601 duration"),
    ],
)
def test_bad_input_names_the_key_path(table: dict[str, object], message: str) -> None:
    with pytest.raises(RulesError) as raised:
        parse_rules(table)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "expected"), [("P7D", "P7D"), ("PT2H", "PT2H"), ("P1DT12H", "P1DT12H"), ("P2W", "P14D")]
)
def test_durations_format_back_to_iso_8601(text: str, expected: str) -> None:
    assert format_duration(parse_rules({"cap_window": text}).cap_window) == expected
