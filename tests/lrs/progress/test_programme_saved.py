"""`programme.saved` re-projects the programme's learners against the new definition, in bulk, so the
live projection (and the satisfied statements) equal a rebuild after any accepted change."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.progress.rebuild import rebuild_progress
from lrs.storage.engine import Database
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import (
    BASE,
    COHORT_START,
    install_cohort,
    lead_definition,
    post,
    projector_and_worker,
    satisfied_statements,
    snapshot,
    statement,
)

LEARNERS = 250


def quiz_pass(email: str, minute: int, scaled: float) -> dict[str, Any]:
    at = COHORT_START + timedelta(days=3, minutes=minute)
    return statement(email, verbs.PASSED, f"{BASE}/quiz", at, result={"score": {"scaled": scaled}})


async def save(database: Database, definition: dict[str, Any], clock: SettableClock) -> None:
    async with database.write_session() as session, session.begin():
        assert (
            await save_programme(session, parse_programme(definition), source="api", now=clock.now)
        ).changed


def quiz_status(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for row in rows:
        if row[1:3] == ("module", "quiz"):
            counted[row[3]] = counted.get(row[3], 0) + 1
    return counted


async def test_definition_changes_re_project_every_learner(database: Database) -> None:
    clock = SettableClock(COHORT_START)
    emails = [f"learner{number:04d}@north.gov.uk" for number in range(LEARNERS)]
    await install_cohort(database, emails, clock.now)
    projector, worker = projector_and_worker(database, clock)
    await worker.run_until_idle()
    clock.advance(timedelta(days=5))
    # Half score 0.85, half 0.95: a mastery score of 0.9 fails the first half.
    await post(
        database, [quiz_pass(email, n, 0.85 if n % 2 else 0.95) for n, email in enumerate(emails)], clock
    )
    await worker.run_until_idle()
    assert quiz_status((await snapshot(database))[0]) == {"passed": LEARNERS}

    stricter = lead_definition()
    stricter["modules"][1]["mastery_score"] = 0.9
    await save(database, stricter, clock)
    started = time.monotonic()
    await worker.run_until_idle()
    elapsed = time.monotonic() - started
    live = await snapshot(database)
    assert quiz_status(live[0]) == {"passed": LEARNERS // 2, "failed": LEARNERS // 2}
    quiz_satisfied = [
        item for item in await satisfied_statements(database) if item["object"]["id"] == f"{BASE}/quiz"
    ]
    assert sum(not item["voided"] for item in quiz_satisfied) == LEARNERS // 2
    assert sum(item["voided"] for item in quiz_satisfied) == LEARNERS // 2
    await rebuild_progress(database, projector)
    assert await snapshot(database) == live
    assert elapsed < 30, elapsed  # shared CPU: generous; bench/ has the figure

    changed = lead_definition()  # back to 0.8, a module added, the second session moved
    changed["modules"].append(
        {"id": "extra", "activity": f"{BASE}/extra", "title": "Extra", "move_on": "NotApplicable"}
    )
    changed["sessions"][1]["start"], changed["sessions"][1]["end"] = (
        "2026-01-08T10:00:00",
        "2026-01-08T12:00:00",
    )
    await save(database, changed, clock)
    await worker.run_until_idle()
    live = await snapshot(database)
    assert quiz_status(live[0]) == {"passed": LEARNERS}
    by_item = {(row[1], row[2]): row for row in live[0] if row[0] == 1}
    assert by_item[("module", "extra")][7] == COHORT_START  # NotApplicable: satisfied from the start
    assert by_item[("session", "s2")][3] == "absent"  # it is over now
    await rebuild_progress(database, projector)
    assert await snapshot(database) == live

    removed = lead_definition()
    removed["modules"] = [module for module in removed["modules"] if module["id"] != "quiz"]
    removed["completion"]["modules"] = ["intro"]
    await save(database, removed, clock)
    await worker.run_until_idle()
    live = await snapshot(database)
    assert quiz_status(live[0]) == {}
    assert not any(
        not item["voided"]
        for item in await satisfied_statements(database)
        if item["object"]["id"] == f"{BASE}/quiz"
    )
    await rebuild_progress(database, projector)
    assert await snapshot(database) == live
