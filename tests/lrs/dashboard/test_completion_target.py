"""The overview's completion chart: the target is the programme's own curve (modules' due dates, the
sessions' dates), and completed is the share of that work learners have finished."""

from __future__ import annotations

from datetime import date

from lrs.dashboard.overview import cohort_overview
from lrs.dashboard.scope import CohortScope
from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.storage.engine import Database
from lrs.storage.programme_models import CohortRow
from tests.lrs.progress.cohort import BASE, lead_definition, statement
from tests.lrs.reporting.support import projecting

EMAILS = ["amina.osei@north.gov.uk", "ben.hall@north.gov.uk"]


async def test_the_target_follows_due_dates_and_sessions(database: Database) -> None:
    cohort = await projecting(database, EMAILS)
    definition = lead_definition()
    definition["modules"][0]["due"] = "P1W"  # intro: 2026-01-12; the quiz has none: the cohort's end
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(definition), source="test", now=cohort.clock.now)
    await cohort.worker.run_until_idle()
    await cohort.post([statement(EMAILS[0], verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])

    async with database.read_session() as session:
        row = await session.get(CohortRow, "lead-1")
        assert row is not None
        figures = await cohort_overview(session, CohortScope(row, None), today=date(2026, 3, 2))
    points = {point.day: point for point in figures.completion}
    # 4 milestones: intro (12 Jan), s1 (10 Feb), s2 (17 Feb), quiz (30 Jun, the cohort's end)
    assert points[date(2026, 1, 5)].target_percent == 0
    assert points[date(2026, 1, 12)].target_percent == 25
    assert points[date(2026, 2, 9)].target_percent == 25  # a straight line would be near 20
    assert points[date(2026, 2, 10)].target_percent == 50
    assert points[date(2026, 2, 17)].target_percent == 75
    assert max(point.day for point in figures.completion) == date(2026, 3, 2)  # up to today
    assert points[date(2026, 1, 5)].completed_percent == 0
    assert points[date(2026, 1, 12)].completed_percent == 100 * 1 / (2 * 4)  # one of 8 learner-items


async def test_a_finished_cohort_reaches_every_milestone(database: Database) -> None:
    await projecting(database, EMAILS)
    async with database.read_session() as session:
        row = await session.get(CohortRow, "lead-1")
        assert row is not None
        figures = await cohort_overview(session, CohortScope(row, None), today=date(2027, 1, 1))
    assert figures.completion[-1].day == date(2026, 6, 30)
    assert figures.completion[-1].target_percent == 100
    assert all(point.completed_percent == 0 for point in figures.completion)
