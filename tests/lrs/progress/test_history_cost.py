"""A statement's projection cost must not grow with the learner's history, nor with everyone's: every
query the progress worker issues for a group of statements reaches the progress tables, the
statements and the timers through an index (a SEARCH in SQLite's plan), never by scanning a table.
Checked on the query plans of the statements the worker actually issued."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

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

TABLES = ("progress", "progress_durations", "progress_learners", "confidence_results", "statements", "timers")
EMAILS = [f"learner{n}@north.gov.uk" for n in range(6)]


@contextmanager
def issued(database: Database) -> Iterator[list[tuple[str, Any]]]:
    captured: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool) -> None:
        if not many and sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            captured.append((sql, params))

    event.listen(database.writer.sync_engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(database.writer.sync_engine, "before_cursor_execute", record)


async def scans(database: Database, captured: list[tuple[str, Any]]) -> list[str]:
    found = []
    async with database.read_session() as session:
        connection = await session.connection()
        for sql, params in captured:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params))
            for line in (str(row[-1]) for row in plan):
                words = line.split()
                if words[:1] == ["SCAN"] and len(words) > 1 and words[1] in TABLES:
                    found.append(f"{line}  <=  {sql.split(chr(10))[0][:140]}")
    return found


def timed(email: str, minute: int) -> dict[str, Any]:
    at = COHORT_START + timedelta(days=2, minutes=minute)
    return statement(email, PROGRESSED, f"{BASE}/intro", at, result={"duration": "PT2M"})


async def test_projecting_statements_never_scans_a_table(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("reads SQLite query plans")
    clock = lambda: COHORT_START + timedelta(days=3)  # noqa: E731
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
