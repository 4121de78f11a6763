"""The preferences page's form as data: submitted fields to Preferences, or every problem by field."""

from __future__ import annotations

from notifications.preference_form import FIELD_ORDER, FieldProblem, form_values, parse_preferences
from notifications.preferences import Preferences, validate

GOOD = {
    "channel_order": ["email"],
    "opt_out": ["congratulation"],
    "language": ["cy"],
    "time_zone": [" Europe/London "],
    "quiet_start": ["8.30"],
    "quiet_end": ["7:05"],
    "working_days": ["sat", "sun"],
    "nation": ["scotland"],
}


def test_a_good_form_becomes_valid_preferences_with_times_normalised() -> None:
    chosen, problems = parse_preferences(GOOD, Preferences())
    assert problems == [] and chosen is not None
    validate(chosen)
    assert chosen.channel_order == ("email",) and chosen.opted_out == frozenset({"congratulation"})
    assert (chosen.quiet_start, chosen.quiet_end, chosen.time_zone) == ("08:30", "07:05", "Europe/London")
    assert (
        chosen.working_days == frozenset({5, 6}) and chosen.nation == "scotland" and chosen.language == "cy"
    )


def test_an_opt_out_the_form_does_not_offer_is_kept_and_unticking_removes_offered_ones() -> None:
    stored = Preferences(opted_out=frozenset({"update", "nudge"}))
    assert form_values(stored).opted_out == frozenset({"update", "nudge"})
    chosen, _ = parse_preferences({**GOOD, "opt_out": []}, stored)
    assert chosen is not None and chosen.opted_out == frozenset({"update"})


def test_every_problem_is_named_once_in_page_order() -> None:
    bad = {
        "nation": ["wessex"],
        "working_days": ["funday"],
        "quiet_end": ["24:00"],
        "quiet_start": ["noon"],
        "time_zone": ["Europe/../../etc/passwd"],
        "language": ["de"],
        "opt_out": ["invitation"],
        "channel_order": ["teams,teams"],
    }
    chosen, problems = parse_preferences(bad, Preferences())
    assert chosen is None
    assert [problem.field for problem in problems] == list(FIELD_ORDER)
    assert FieldProblem("opt_out", "opt_out") in problems
    _, missing = parse_preferences({}, Preferences())
    assert FieldProblem("time_zone", "time_zone_missing") in missing
    assert FieldProblem("working_days", "working_days") in missing


def test_every_problem_code_has_page_text() -> None:
    from lrs.http.learner_page_text import all_texts

    _, problems = parse_preferences({"time_zone": ["x" * 101], "quiet_end": ["9:60"]}, Preferences())
    codes = {problem.code for problem in problems} | {"invalid", "time_zone", "time_zone_missing", "too_long"}
    for texts in all_texts().values():
        assert [code for code in codes if f"problem.{code}" not in texts] == []
