"""Thousands of enrolled learners (10,000 with LRS_SCALE_LEARNERS=10000): the live path
(statements folded into stored facts, set-wise per outbox group) gives the same rows, confidence
answers and satisfied statements as `rebuild`, which recomputes every learner from all their
statements."""

from __future__ import annotations

import os
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lrs.progress import verbs
from lrs.progress.rebuild import rebuild_progress
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent, Statement
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import (
    BASE,
    COHORT_START,
    install_cohort,
    post,
    projector_and_worker,
    snapshot,
    statement,
    voiding,
)

# The suite runs 2,000 learners to stay within its time budget; LRS_SCALE_LEARNERS=10000 runs the
# 10,000-learner case (minutes per database, see docs/events.md).
LEARNERS = int(os.environ.get("LRS_SCALE_LEARNERS", "2000"))


def work_of(email: str, number: int, rng: random.Random) -> list[dict[str, Any]]:
    """A few statements per learner, varied by `number`: timed work, passes and fails, sessions."""
    day = COHORT_START + timedelta(days=3, minutes=number % 1440)
    made = [
        statement(email, "http://adlnet.gov/expapi/verbs/initialized", f"{BASE}/intro", day),
        statement(
            email, verbs.COMPLETED, f"{BASE}/intro", day + timedelta(minutes=9), result={"duration": "PT9M"}
        ),
    ]
    if number % 3:
        scaled = rng.choice([0.5, 0.85, 0.95])
        made.append(
            statement(
                email,
                verbs.PASSED,
                f"{BASE}/quiz",
                day + timedelta(days=1),
                result={"score": {"scaled": scaled}},
            )
        )
    if number % 4 == 0:
        made.append(statement(email, verbs.ATTENDED, f"{BASE}/sessions/s1", day + timedelta(days=36)))
    if number % 5 == 0:
        answer = {"score": {"raw": rng.randint(1, 5), "min": 1, "max": 5}}
        made.append(
            statement(
                email, "http://adlnet.gov/expapi/verbs/answered", f"{BASE}/confidence/pre", day, result=answer
            )
        )
    return made


async def test_thousands_of_learners_live_equals_rebuild(database: Database) -> None:
    clock = SettableClock(COHORT_START - timedelta(days=1))
    emails = [f"learner{number:05d}@north.gov.uk" for number in range(LEARNERS)]
    await install_cohort(database, emails, clock.now)
    projector, worker = projector_and_worker(database, clock)
    await worker.run_until_idle()  # the enrolments, recomputed in bulk
    clock.advance(timedelta(days=10))
    rng = random.Random(11)
    statements = [item for number, email in enumerate(emails) for item in work_of(email, number, rng)]
    rng.shuffle(statements)
    voided = statements[::97]
    for start in range(0, len(statements), 2000):
        await post(database, statements[start : start + 2000], clock)
    await worker.run_until_idle()  # folded in, some groups in the middle of others' learners
    await post(database, [voiding(item, clock.now) for item in voided], clock)
    await post(database, statements[:500], clock)  # a replay changes nothing
    await worker.run_until_idle()

    live = await snapshot(database)
    async with database.read_session() as session:
        satisfied = sorted(
            await session.scalars(
                select(Statement.statement_id).where(
                    Statement.verb_iri == verbs.SATISFIED, Statement.voided.is_(False)
                )
            )
        )
        left = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
        )
    assert left == 0
    statuses = {row[3] for row in live[0] if row[1:3] == ("module", "quiz")}
    assert statuses == {"not_started", "failed", "passed"}
    assert len({row[0] for row in live[0]}) == LEARNERS and live[1]

    report = await rebuild_progress(database, projector)
    assert report.learners == LEARNERS
    assert await snapshot(database) == live
    async with database.read_session() as session:
        again = sorted(
            await session.scalars(
                select(Statement.statement_id).where(
                    Statement.verb_iri == verbs.SATISFIED, Statement.voided.is_(False)
                )
            )
        )
    assert again == satisfied


pytestmark = pytest.mark.timeout(1800)
