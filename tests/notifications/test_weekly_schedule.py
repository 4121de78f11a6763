"""The weekly rules' settings and schedule: defaults from config/notifications.toml, per-programme
overrides, errors that name the key path, and one message per cohort and ISO week (per address for
the digest) on the configured weekday and local time, across the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from lrs.programme.fields import DefinitionError
from lrs.programme.loader import parse_programme
from notifications.rules import RulesError, default_rules, parse_rules
from notifications.weekly import recipient_token, weekly_items, weekly_schedule
from tests.notifications.engine import due_definition

TEAM = ["academy-team@lga.example", "Programme.Lead@lga.example"]


def test_the_defaults_are_monday_mornings_in_london_with_no_team_named() -> None:
    update, digest = (weekly_schedule(default_rules(), rule) for rule in ("cohort_update", "team_digest"))
    assert (update.weekday, update.at, update.time_zone, update.ahead) == (
        0,
        time(9, 30),
        "Europe/London",
        timedelta(days=14),
    )
    assert (digest.weekday, digest.at, digest.to) == (0, time(8, 0), ())
    assert default_rules().inactive_after_days == 14


def test_a_programme_sets_day_time_zone_and_team() -> None:
    rules = parse_rules(
        {
            "cohort_update": {
                "weekday": "Wednesday",
                "time": "12:15",
                "time_zone": "Europe/Dublin",
                "ahead": "P3W",
            },
            "team_digest": {"to": [*TEAM, "ACADEMY-TEAM@lga.example"], "weekday": "friday"},
        }
    )
    update, digest = (weekly_schedule(rules, rule) for rule in ("cohort_update", "team_digest"))
    assert (update.weekday, update.at, update.time_zone, update.ahead) == (
        2,
        time(12, 15),
        "Europe/Dublin",
        timedelta(weeks=3),
    )
    assert (digest.weekday, digest.at, digest.to) == (4, time(8, 0), tuple(TEAM))  # one per address


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"team_digest": {"weekday": "funday"}},
            "notifications.team_digest.weekday: expected a day of the week",
        ),
        (
            {"cohort_update": {"time": "9am"}},
            'notifications.cohort_update.time: expected a 24-hour time like "09:30"',
        ),
        ({"cohort_update": {"time": "24:00"}}, "notifications.cohort_update.time: expected a 24-hour time"),
        (
            {"team_digest": {"time_zone": "Mars/Olympus"}},
            "notifications.team_digest.time_zone: 'Mars/Olympus' is not",
        ),
        (
            {"team_digest": {"to": [TEAM[0], "the team"]}},
            "notifications.team_digest.to[1]: 'the team' is not an email",
        ),
        (
            {"team_digest": {"ahead": "P1W"}},
            "notifications.team_digest.ahead: unknown setting (known: enabled, weekday",
        ),
        ({"cohort_update": {"to": TEAM}}, "notifications.cohort_update.to: unknown setting"),
        (
            {"cohort_update": {"ahead": "P0D"}},
            "notifications.cohort_update.ahead: expected between 1 and 366 days",
        ),
        (
            {"cohort_update": {"ahead": "PT2H"}},
            "notifications.cohort_update.ahead: expected a duration in weeks or days",
        ),
        (
            {"inactive_after_days": 0},
            "notifications.inactive_after_days: expected a whole number of days, 1 or more",
        ),
    ],
)
def test_bad_weekly_settings_name_the_key_path(table: dict[str, object], message: str) -> None:
    with pytest.raises(RulesError) as raised:
        parse_rules(table)
    assert str(raised.value).startswith(message)


def test_a_programme_definition_with_a_bad_weekly_setting_is_refused_at_load() -> None:
    definition = {**due_definition(), "notifications": {"team_digest": {"to": ["nobody"]}}}
    with pytest.raises(DefinitionError) as raised:
        parse_programme(definition)
    assert str(raised.value).startswith("notifications.team_digest.to[0]: 'nobody' is not an email address")


def test_one_update_per_iso_week_at_local_time_across_the_clock_change() -> None:
    programme = parse_programme(due_definition())  # cohort lead-1: Monday 5 January to Tuesday 30 June 2026
    cohort = programme.cohort("lead-1")
    items = weekly_items(programme, cohort, default_rules(), datetime(2026, 1, 1, tzinfo=UTC))
    assert [item.rule for item in items] == ["cohort_update"] * 26  # no team named: no digest
    keys = [item.key for item in items]
    assert (
        keys[0] == "cohort_update:lead-1:cohort:2026-W02"
        and keys[-1] == "cohort_update:lead-1:cohort:2026-W27"
    )
    assert len(set(keys)) == 26 and all(item.learner_id is None for item in items)
    due = {item.occurrence: item.due_at for item in items}
    assert due["2026-W02"] == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)  # GMT
    assert due["2026-W13"] == datetime(2026, 3, 23, 9, 30, tzinfo=UTC)
    assert due["2026-W14"] == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)  # BST: still 09:30 in London
    later = weekly_items(programme, cohort, default_rules(), datetime(2026, 6, 22, 9, 30, tzinfo=UTC))
    assert [item.occurrence for item in later] == ["2026-W27"]  # nothing already due is planned afresh


def test_the_digest_goes_to_each_team_address_under_its_own_key() -> None:
    programme = parse_programme(due_definition())
    rules = parse_rules(
        {"cohort_update": False, "team_digest": {"to": TEAM, "weekday": "friday", "time": "16:00"}}
    )
    items = weekly_items(programme, programme.cohort("lead-1"), rules, datetime(2026, 6, 1, tzinfo=UTC))
    assert [(item.occurrence, item.due_at, item.context["to"]) for item in items] == [
        (f"2026-W{week}:{recipient_token(to)}", datetime(2026, 6, day, 15, tzinfo=UTC), to)
        for week, day in (("23", 5), ("24", 12), ("25", 19), ("26", 26))
        for to in TEAM
    ]
    assert not any("lga.example" in item.key for item in items)  # keys and logs carry no address
    assert recipient_token("Programme.Lead@LGA.example") == recipient_token(TEAM[1])
