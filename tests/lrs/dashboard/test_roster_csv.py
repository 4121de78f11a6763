"""The roster CSV: the page's rows, with cells a spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from lrs.dashboard.roster import Item, Roster, RosterLine, at_risk_reasons, sorted_lines
from lrs.dashboard.roster_csv import roster_csv, safe_cell

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ITEMS = (
    Item("module", "m1", "Basics", NOW - timedelta(days=3)),
    Item("module", "m2", "Later", NOW + timedelta(days=30)),
    Item("session", "s1", "Kick-off", NOW - timedelta(days=10)),
)


def _line(learner_id: int, name: str, done: int, risks: tuple[str, ...] = ()) -> RosterLine:
    return RosterLine(
        learner_id,
        name,
        f"l{learner_id}@example.gov.uk",
        "Ashvale",
        ("completed", "not_started", "absent"),
        done,
        None,
        risks,
    )


def test_formula_cells_are_prefixed_and_plain_ones_kept() -> None:
    for risky in ("=1+1", "+44 1234", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell("Amira Patel") == "Amira Patel"
    roster = Roster(ITEMS, (_line(1, '=HYPERLINK("http://evil.example","x")', 1),))
    rows = list(csv.reader(io.StringIO(roster_csv(roster, roster.lines))))
    assert rows[0][:3] == ["name", "work_email", "organisation"] and rows[0][-3:] == [
        "module:m1",
        "module:m2",
        "session:s1",
    ]
    assert rows[1][0].startswith("'=") and rows[1][3:5] == ["1", "3"]


def test_risk_reasons_name_the_module_the_session_and_the_idle_days() -> None:
    statuses = ("in_progress", "not_started", "absent")
    reasons = at_risk_reasons(ITEMS, statuses, NOW - timedelta(days=20), NOW)
    assert reasons == ("inactive 20 days", "overdue module: Basics", "missed session: Kick-off")
    assert at_risk_reasons(ITEMS, ("passed", "not_started", "attended"), NOW - timedelta(days=2), NOW) == ()


def test_sorting_by_each_key_and_order() -> None:
    roster = Roster(
        ITEMS, (_line(1, "Ben", 2), _line(2, "amira", 0, ("inactive 20 days",)), _line(3, "Ceri", 1))
    )
    assert [line.name for line in sorted_lines(roster, "name", "asc")] == ["amira", "Ben", "Ceri"]
    assert [line.name for line in sorted_lines(roster, "progress", "desc")] == ["Ben", "Ceri", "amira"]
    assert sorted_lines(roster, "risk", "desc")[0].name == "amira"


def test_the_inactivity_threshold_is_the_configured_one() -> None:
    statuses = ("passed", "not_started", "attended")
    assert at_risk_reasons(ITEMS, statuses, NOW - timedelta(days=20), NOW, inactive_days=30) == ()
    assert at_risk_reasons(ITEMS, statuses, NOW - timedelta(days=30), NOW, inactive_days=30) == (
        "inactive 30 days",
    )


def test_council_csv_is_formula_safe_too() -> None:
    from lrs.dashboard.council import CouncilLine, council_csv

    text = council_csv([CouncilLine(1, "@evil", "e@example.gov.uk", "=cmd", "c1", "enrolled", "in_progress")])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["name", "work_email", "role", "cohort", "enrolment", "programme_status"]
    assert rows[1][:3] == ["'@evil", "e@example.gov.uk", "'=cmd"]
