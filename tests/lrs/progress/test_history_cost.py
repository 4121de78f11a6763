"""A statement's projection cost must not grow with the learner's history, nor with everyone's: every
query the progress worker issues for a group of statements reaches the progress tables, the
statements and the timers through an index (a SEARCH in SQLite's plan), never by scanning a table.
Checked on the query plans of the statements the worker actually issued."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from lrs.storage.engine import Database
from tests.lrs.progress.cohort import (
    BASE,
    COHORT_START,
    PROGRESSED,
    install_cohort,
    post,
    projector_and_worker,
    statement,
)
from tests.query_plans import Issued, issued, plan_lines

TABLES = ("progress", "progress_durations", "progress_learners", "confidence_results", "statements", "timers")
EMAILS = [f"learner{n}@north.gov.uk" for n in range(6)]


async def scans(database: Database, captured: Issued) -> list[str]:
    found = []
    for line, sql in await plan_lines(database, captured):
        words = line.split()
        if words[:1] == ["SCAN"] and len(words) > 1 and words[1] in TABLES:
            found.append(f"{line}  <=  {sql}")
    return found


def timed(email: str, minute: int) -> dict[str, Any]:
    at = COHORT_START + timedelta(days=2, minutes=minute)
    return statement(email, PROGRESSED, f"{BASE}/intro", at, result={"duration": "PT2M"})


async def test_projecting_statements_never_scans_a_table(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("reads SQLite query plans")

    def clock() -> datetime:
        return COHORT_START + timedelta(days=3)

    await install_cohort(database, EMAILS, clock())
    _projector, worker = projector_and_worker(database, clock)
    history = [timed(email, n) for email in EMAILS for n in range(40)]  # durations counted before
    await post(database, history, clock)
    await worker.run_until_idle()
    await post(database, [timed(email, 100) for email in EMAILS], clock)
    with issued(database) as captured:
        assert await worker.run_until_idle() > 0
    assert any("progress_durations" in sql for sql, _ in captured)
    found = await scans(database, captured)
    assert found == [], "\n".join(found)
