"""An event's cost must not grow with the learner's history: every query the notification listeners
and the batched re-check make about one learner reaches the schedule through an index on that
learner (or the row's id or key), never by scanning the table or the learner's statements.
Checked on SQLite's query plans for the statements actually issued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lrs.events.types import LearnerWithdrawn, ModuleSatisfied
from lrs.progress import verbs
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.batch import evaluate_batch
from notifications.planner import NotificationPlanner
from notifications.rules import ProgrammeRules, parse_rules
from tests.lrs.progress.cohort import BASE, COHORT_START, PROGRESSED, post, statement
from tests.notifications.engine import engine, install
from tests.notifications.support import ManualClock
from tests.query_plans import Issued, issued, plan_lines

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"
LEARNER_SCOPED = ("learner_id=?", "PRIMARY KEY", "key=?")


async def wide_lookups(database: Database, captured: Issued) -> list[str]:
    """The plan lines that reach the schedule or the statements other than through the learner."""
    wide = []
    for line, sql in await plan_lines(database, captured):
        touches = any(f" {table} " in f"{line} " for table in ("planned_messages", "statements"))
        if touches and not any(mark in line for mark in LEARNER_SCOPED):
            wide.append(f"{line}  <=  {sql[:120]}")
    return wide


async def test_a_learner_event_looks_up_only_that_learner(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("reads SQLite query plans")
    clock = ManualClock(COHORT_START - timedelta(days=3))
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    run = engine(database, clock, {})
    at = COHORT_START + timedelta(days=2)
    history = [statement(ADA, PROGRESSED, f"{BASE}/quiz", at + timedelta(minutes=n)) for n in range(200)]
    await post(database, [*history, statement(ADA, verbs.RSVP_DECLINED, f"{BASE}/sessions/s1", at)], clock)
    await run.run()
    planner = NotificationPlanner(ProgrammeRules(parse_rules({})), clock=clock)
    ada = learners[ADA]
    due = datetime(2026, 2, 9, 10, tzinfo=UTC)  # up to s1's T-1 reminders
    async with database.read_session() as session:
        ids = list(await session.scalars(select(PlannedMessage.id).where(PlannedMessage.due_at <= due)))
    with issued(database, ("SELECT", "UPDATE")) as captured:
        async with database.write_session() as session, session.begin():
            satisfied = ModuleSatisfied("lead", "lead-1", ada, "intro", clock.now)
            await planner.on_module_satisfied(satisfied, session)
            await planner.on_withdrawn(LearnerWithdrawn("lead", "lead-1", learners[BEN]), session)
        await evaluate_batch(database, ids, ProgrammeRules(parse_rules({})), due)
    assert captured
    assert await wide_lookups(database, captured) == []
