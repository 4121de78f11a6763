"""Off-the-job hours from the projection, with the evidence behind each figure (shipped Place
Directors' Academy: modules with configured hours, sessions by kind)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lrs.programme.loader import load_programme_file
from lrs.progress.off_the_job import ItemState, learner_hours

PROGRAMME = load_programme_file(
    Path(__file__).resolve().parents[3] / "config/programmes/place-directors-academy.toml"
)
WHEN = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def test_hours_come_from_satisfied_modules_attended_sessions_and_recorded_time() -> None:
    academy = next(s for s in PROGRAMME.sessions if s.kind == "academy")
    coaching = next(s for s in PROGRAMME.sessions if s.kind == "coaching")
    items = [
        ItemState("module", "digital-foundations", "completed", WHEN, 40 * 60_000),  # configured 6 h
        ItemState("module", "user-research", "in_progress", None, 3 * 3_600_000),  # configured, not met: 0
        ItemState("session", academy.id, "attended", WHEN, 0),
        ItemState("session", coaching.id, "absent", None, 0),
        ItemState("programme", PROGRAMME.id, "in_progress", None, 0),
    ]
    hours = learner_hours(PROGRAMME, items)
    assert hours is not None
    expected_session = PROGRAMME.off_the_job.hours_for_session(academy)  # type: ignore[union-attr]
    assert hours.total == 6 + expected_session
    assert [(item.item_id, item.basis) for item in hours.evidence] == [
        ("digital-foundations", "configured hours, module satisfied"),
        (academy.id, "configured hours, session attended"),
    ]
    assert hours.minimum == 60 and not hours.met


def test_a_module_without_configured_hours_counts_recorded_e_learning_time() -> None:
    plan = PROGRAMME.off_the_job
    assert plan is not None
    unconfigured = next((m.id for m in PROGRAMME.modules if m.id not in plan.module_hours), None)
    item_id = unconfigured or "an-extra-module"
    hours = learner_hours(PROGRAMME, [ItemState("module", item_id, "in_progress", None, 90 * 60_000)])
    assert hours is not None and hours.total == 1.5
    assert hours.evidence[0].basis == "e-learning time recorded in statements"
