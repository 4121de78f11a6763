"""Eligibility rules and the small pieces of the model with behaviour (periods, OTJ hours)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from lrs.programme.eligibility import describe_rules, ineligibility_reason
from lrs.programme.loader import load_programme_file, parse_programme
from lrs.programme.model import CalendarPeriod, Eligibility, Organisation, Sector
from tests.lrs.programme.definitions import EXAMPLES_DIR, minimal_definition

NORTH = Organisation("north-council", "North Council", Sector.COUNCIL)
SOUTH = Organisation("south-council", "South Council", Sector.COUNCIL)
POLICE = Organisation("vale-police", "Vale Police", Sector.POLICE)
NEW_FIRE = Organisation("east-fire", "East Fire", Sector.FIRE)


def test_a_list_or_a_sector_admits_and_everyone_else_is_told_why() -> None:
    programme = parse_programme(minimal_definition())
    cohort = programme.cohort("pilot-1")
    assert ineligibility_reason(programme, cohort, NORTH) is None  # on the Local Digital Fund list
    assert ineligibility_reason(programme, cohort, POLICE) is None  # police sector admitted
    reason = ineligibility_reason(programme, cohort, SOUTH)
    expected = "open to Local Digital Fund or the police sector(s)"
    assert reason == f"South Council is not eligible for cohort pilot-1: {expected}"
    assert ineligibility_reason(programme, cohort, NEW_FIRE) is not None


def test_named_organisations_and_open_cohorts() -> None:
    programme = parse_programme(minimal_definition())
    only_south = replace(
        programme.cohort("pilot-1"), eligibility=Eligibility(organisations=frozenset({"south-council"}))
    )
    assert ineligibility_reason(programme, only_south, SOUTH) is None
    assert ineligibility_reason(programme, only_south, NORTH) is not None
    assert "South Council" in describe_rules(programme, only_south)
    open_cohort = replace(only_south, eligibility=Eligibility())
    assert ineligibility_reason(programme, open_cohort, NEW_FIRE) is None


def test_learn_adapt_lead_first_cohort_is_for_fund_recipients_and_declaration_signatories() -> None:
    lal = load_programme_file(EXAMPLES_DIR / "learn-adapt-lead.toml")
    first = lal.cohort("lal-2025-autumn")
    organisations = {item.id: item for item in lal.organisations}
    assert ineligibility_reason(lal, first, organisations["brackenfield-cc"]) is None  # declaration only
    assert ineligibility_reason(lal, first, organisations["dunmere-ua"]) is not None  # neither list
    assert ineligibility_reason(lal, lal.cohort("lal-2026-spring"), organisations["dunmere-ua"]) is None


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("P4W", date(2025, 9, 1), date(2025, 9, 29)),
        ("P1M", date(2025, 1, 31), date(2025, 2, 28)),
        ("P1Y2M10D", date(2024, 2, 29), date(2025, 5, 9)),
        ("P3M", date(2025, 11, 30), date(2026, 2, 28)),
    ],
)
def test_calendar_periods(text: str, start: date, due: date) -> None:
    period = CalendarPeriod.parse(text)
    assert period.after(start) == due
    assert CalendarPeriod.parse(period.isoformat()) == period


@pytest.mark.parametrize("text", ["P", "4W", "PT4H", "P1.5W", "p4w", ""])
def test_calendar_periods_refuse_other_text(text: str) -> None:
    with pytest.raises(ValueError):
        CalendarPeriod.parse(text)


def test_off_the_job_hours_per_session_override_the_kind() -> None:
    programme = load_programme_file(EXAMPLES_DIR / "place-directors-academy.toml")
    hours = programme.off_the_job
    assert hours is not None
    assert hours.hours_for_session(programme.session("training-1")) == 6
    assert hours.hours_for_session(programme.session("training-6")) == 5
    assert hours.hours_for_session(programme.session("coaching-1")) == 1.5
    assert hours.hours_for_module("user-research") == 8
    assert hours.hours_for_module("unknown") == 0
