"""Programme definitions: the examples load, errors name the file and key path, times respect BST/GMT."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lrs.programme.definition import definition_hash, programme_definition
from lrs.programme.fields import DefinitionError
from lrs.programme.loader import load_programme_dir, load_programme_file, parse_programme
from lrs.programme.model import MoveOn, SessionKind
from tests.lrs.programme.definitions import EXAMPLES_DIR, minimal_definition

EXAMPLES = sorted(EXAMPLES_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_example_loads_and_round_trips_through_json(path: Path) -> None:
    programme = load_programme_file(path)
    definition = json.loads(json.dumps(programme_definition(programme)))
    assert parse_programme(definition) == programme
    assert definition_hash(programme_definition(parse_programme(definition))) == definition_hash(definition)


def test_the_examples_cover_the_brief() -> None:
    programmes = {programme.id: programme for programme in load_programme_dir(EXAMPLES_DIR)}
    assert set(programmes) >= {
        "learn-adapt-lead",
        "place-directors-academy",
        "holmbridge-digital-academy",
        "chief-executive-round-tables",
        "member-digital-academy",
    }
    lal = programmes["learn-adapt-lead"]
    assert {module.id for module in lal.modules} == {
        "user-centred-design",
        "agile-delivery",
        "data",
        "ai",
        "cyber-resilience",
    }
    for cohort in lal.cohorts:
        sessions = lal.sessions_of(cohort.id)
        assert sum(item.kind is SessionKind.ACADEMY for item in sessions) == 6
        block_start = min(item.start for item in sessions if item.kind is SessionKind.BLOCK_DAY)
        review = next(item for item in sessions if item.kind is SessionKind.REVIEW_DAY)
        assert review.start.date() - block_start.date() == timedelta(weeks=8)
        assert any(item.kind is SessionKind.RESIDENTIAL for item in sessions)
    assert lal.confidence is not None and lal.completion.review_day_required
    apprenticeship = programmes["place-directors-academy"]
    assert apprenticeship.off_the_job is not None and apprenticeship.off_the_job.minimum_hours > 0
    sectors = {
        organisation.sector.value for organisation in programmes["holmbridge-digital-academy"].organisations
    }
    assert sectors == {"council", "police", "nhs", "fire"}
    round_tables = programmes["chief-executive-round-tables"]
    assert not round_tables.modules and {item.kind for item in round_tables.sessions} == {
        SessionKind.ROUND_TABLE
    }


def test_session_times_follow_british_summer_time() -> None:
    lal = load_programme_file(EXAMPLES_DIR / "learn-adapt-lead.toml")
    summer = lal.session("c1-block-day-1")  # 23 September 2025: BST
    winter = lal.session("c1-review-day")  # 18 November 2025: GMT
    assert summer.start.astimezone(UTC) == datetime(2025, 9, 23, 8, 30, tzinfo=UTC)
    assert winter.start.astimezone(UTC) == datetime(2025, 11, 18, 9, 30, tzinfo=UTC)
    assert summer.local_start.utcoffset() == timedelta(hours=1)
    assert winter.local_start.utcoffset() == timedelta(0)
    assert summer.local_start.hour == 9 and winter.local_start.hour == 9


def test_a_session_across_the_clock_change_has_its_real_length() -> None:
    definition = minimal_definition()
    # 26 October 2025: clocks go back at 02:00 BST. 00:30 to 03:30 local is four real hours.
    definition["sessions"][1].update(start="2025-10-26T00:30:00", end="2025-10-26T03:30:00")
    session = parse_programme(definition).session("academy-1")
    assert session.end - session.start == timedelta(hours=4)


@pytest.mark.parametrize(
    ("when", "message"),
    [("2026-03-29T01:30:00", "does not exist"), ("2025-10-26T01:30:00", "happens twice")],
)
def test_wall_clock_times_that_do_not_exist_or_repeat_are_refused(when: str, message: str) -> None:
    definition = minimal_definition()
    definition["cohorts"][0]["end"] = "2026-06-30"
    definition["sessions"][1].update(start=when, end=when[:11] + "05:00:00")
    with pytest.raises(DefinitionError, match=message) as caught:
        parse_programme(definition)
    assert caught.value.field == "sessions[1].start"


def test_an_offset_settles_an_ambiguous_time() -> None:
    definition = minimal_definition()
    definition["sessions"][1].update(start="2025-10-26T01:30:00+00:00", end="2025-10-26T03:00:00")
    session = parse_programme(definition).session("academy-1")
    assert session.start.astimezone(UTC) == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)


def _break(change: Any) -> dict[str, Any]:
    definition = copy.deepcopy(minimal_definition())
    change(definition)
    return definition


BAD = [
    ("missing-title", lambda d: d["programme"].pop("title"), "programme.title", "is required"),
    ("bad-slug", lambda d: d["programme"].update(id="Pilot Programme"), "programme.id", "slug"),
    ("typo-key", lambda d: d["modules"][0].update(activty="x"), "modules[0].activty", "unknown key"),
    (
        "bad-iri",
        lambda d: d["modules"][1].update(activity="not an iri"),
        "modules[1].activity",
        "absolute IRI",
    ),
    ("bad-move-on", lambda d: d["modules"][0].update(move_on="Done"), "modules[0].move_on", "not one of"),
    ("mastery", lambda d: d["modules"][1].update(mastery_score=1.5), "modules[1].mastery_score", "between 0"),
    ("due", lambda d: d["modules"][0].update(due="4 weeks"), "modules[0].due", "date duration"),
    (
        "end-before",
        lambda d: d["sessions"][2].update(end="2025-11-11T09:00:00"),
        "sessions[2].end",
        "not after",
    ),
    ("kind", lambda d: d["sessions"][0].update(kind="party"), "sessions[0].kind", "not one of"),
    (
        "cohort-dates",
        lambda d: d["cohorts"][0].update(end="2025-01-01"),
        "cohorts[0].end",
        "before the start",
    ),
    (
        "outside",
        lambda d: d["sessions"][3].update(start="2026-05-01T09:00:00", end="2026-05-01T10:00:00"),
        "sessions[3].start",
        "outside cohort",
    ),
    (
        "dup-module",
        lambda d: d["modules"].append(dict(d["modules"][0], activity="https://x.example/2")),
        "modules[2].id",
        "already used",
    ),
    (
        "dup-activity",
        lambda d: d["modules"][1].update(activity=d["modules"][0]["activity"]),
        "modules[1].activity",
        "already used",
    ),
    (
        "unknown-list",
        lambda d: d["cohorts"][0]["eligibility"].update(lists=["local-digital-declaration"]),
        "cohorts[0].eligibility.lists[0]",
        "unknown list",
    ),
    (
        "undeclared-org",
        lambda d: d["lists"][0]["organisations"].append("east-council"),
        "lists[0].organisations",
        "unknown organisation 'east-council'",
    ),
    (
        "unknown-block",
        lambda d: d["modules"][0].update(blocks=["residential"]),
        "modules[0].blocks[0]",
        "unknown block",
    ),
    (
        "completion-module",
        lambda d: d["completion"].update(modules=["ai"]),
        "completion.modules[0]",
        "unknown module",
    ),
    (
        "too-few-academies",
        lambda d: d["completion"].update(min_academy_sessions=3),
        "completion.min_academy_sessions",
        "only 2 academy",
    ),
    ("no-review", lambda d: d["sessions"].pop(3), "completion.review_day", "no session"),
    (
        "sector",
        lambda d: d["organisations"][0].update(sector="parish"),
        "organisations[0].sector",
        "not one of",
    ),
    ("nowhere", lambda d: d["sessions"][0].pop("location"), "sessions[0]", "location"),
    (
        "teams-url",
        lambda d: d["sessions"][0].update(online={"join_url": "http://teams.example/x"}),
        "sessions[0].online.join_url",
        "https",
    ),
    ("attendees", lambda d: d["sessions"][0].update(attendees="everyone"), "sessions[0].attendees", "cohort"),
    (
        "zone",
        lambda d: d["programme"].update(timezone="Europe/Londn"),
        "programme.timezone",
        "unknown time zone",
    ),
    (
        "otj",
        lambda d: d.update(off_the_job={"minimum_hours": 10, "modules": {"ai": 2}}),
        "off_the_job.modules.ai",
        "unknown module",
    ),
    (
        "otj-unreachable",
        lambda d: d.update(off_the_job={"minimum_hours": 100, "modules": {"ucd": 2}}),
        "off_the_job.minimum_hours",
        "offers only 2",
    ),
    (
        "scale",
        lambda d: d.update(
            confidence={
                "pre_activity": "https://a.example/pre",
                "post_activity": "https://a.example/post",
                "scale": {"min": 1, "max": 5, "labels": ["low", "high"]},
            }
        ),
        "confidence.scale.labels",
        "one label per point",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_invalid_definitions_name_the_key_path(change: Any, field: str, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_programme(_break(change))
    assert caught.value.field == field
    assert message in caught.value.message


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        '[programme]\nid = "broken"\ntitle = "Broken"\n\n[[cohorts]]\nid = "c"\ntitle = "C"\n'
        "start = 2025-09-01\nend = 2025-08-01\n"
    )
    with pytest.raises(DefinitionError) as caught:
        load_programme_file(path)
    assert str(caught.value) == f"{path}: cohorts[0].end: 2025-08-01 is before the start 2025-09-01"
    path.write_text("[programme\n")
    with pytest.raises(DefinitionError, match="not valid TOML"):
        load_programme_file(path)


def test_one_programme_id_in_two_files_is_refused(tmp_path: Path) -> None:
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text((EXAMPLES_DIR / "chief-executive-round-tables.toml").read_text())
    with pytest.raises(DefinitionError, match="already defined in"):
        load_programme_dir(tmp_path)


def test_defaults_and_block_membership_from_both_sides() -> None:
    programme = parse_programme(minimal_definition())
    assert programme.module("ucd").move_on is MoveOn.COMPLETED
    assert programme.module("ucd").due_date(programme.cohort("pilot-1")) == date(2025, 9, 29)
    assert programme.block("block").modules == ("cyber",)
    assert programme.block("block").sessions == ("block-day",)
    assert programme.session("block-day").blocks == ("block",)
    assert programme.session("review").whole_cohort


def test_without_completion_every_item_is_required_and_there_must_be_one() -> None:
    definition = minimal_definition()
    del definition["completion"]
    assert parse_programme(definition).completion.is_default
    empty = minimal_definition()
    del empty["completion"]
    empty["modules"], empty["sessions"], empty["blocks"] = [], [], []
    with pytest.raises(DefinitionError) as raised:
        parse_programme(empty)
    assert raised.value.field == "completion" and "pilot-1" in str(raised.value)
