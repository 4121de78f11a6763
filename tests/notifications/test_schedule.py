"""schedule.plan and cancel: idempotent by key; a cancelled message comes back only when its time
changes or the programme had dropped it; a message that went out is never touched again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications import schedule
from notifications.schedule import PlanItem
from tests.notifications.support import START


async def state_of(database: Database) -> tuple[str, str | None, object]:
    async with database.read_session() as session:
        row = (await session.scalars(select(PlannedMessage))).one()
    return row.state, row.reason, row.due_at


async def test_planning_again_keeps_cancellations_and_sent_messages(database: Database) -> None:
    item = PlanItem(
        "module_due", "lead", "lead-1", 7, "intro:P7D", START + timedelta(days=9), {"module_id": "intro"}
    )
    async with database.write_session() as session, session.begin():
        assert await schedule.plan(session, [item], START) == 1
        assert await schedule.plan(session, [item], START) == 0  # same key, nothing changed
        await schedule.cancel(
            session, cohort_id="lead-1", learner_id=7, reason="module intro is satisfied", now=START
        )
        assert await schedule.plan(session, [item], START) == 0
    assert await state_of(database) == ("cancelled", "module intro is satisfied", item.due_at)
    moved = PlanItem(
        item.rule,
        item.programme_id,
        item.cohort_id,
        7,
        item.occurrence,
        item.due_at + timedelta(days=1),
        item.context,
    )
    async with database.write_session() as session, session.begin():
        assert await schedule.plan(session, [moved], START) == 1  # the date moved: planned again
    assert await state_of(database) == ("planned", None, moved.due_at)
    async with database.write_session() as session, session.begin():
        await schedule.cancel(session, cohort_id="lead-1", reason=schedule.REMOVED_REASON, now=START)
        assert await schedule.plan(session, [moved], START) == 1  # back in the programme
        await session.execute(update(PlannedMessage).values(state="delivered"))
        assert await schedule.plan(session, [item], START) == 0  # it went out: left alone
    assert await state_of(database) == ("delivered", None, moved.due_at)
