"""The planner handles a consumer group's events at once (runs of one type, in order): it must plan
exactly what the same events planned one at a time, whatever their mix and order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.bus import EventBus
from lrs.events.types import (
    Event,
    LearnerEnrolled,
    LearnerInactive,
    LearnerWithdrawn,
    ModuleSatisfied,
    ProgrammeCompleted,
    ProgrammeSaved,
    SessionMissed,
)
from lrs.programme.model import Programme
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.planner import LISTENER_NAMES, NotificationPlanner
from notifications.rules import ProgrammeRules, parse_rules
from notifications.weekly import WeeklyPlanner
from tests.lrs.progress.cohort import COHORT_START
from tests.notifications.engine import install
from tests.notifications.support import ManualClock

EMAILS = [f"learner{n}@north.gov.uk" for n in range(6)]


async def schedule_rows(session: AsyncSession) -> list[tuple[Any, ...]]:
    rows = await session.execute(
        select(
            PlannedMessage.key,
            PlannedMessage.state,
            PlannedMessage.due_at,
            PlannedMessage.context,
            PlannedMessage.reason,
        ).order_by(PlannedMessage.key)
    )
    return [tuple(row) for row in rows]


def mixed_events(programme: Programme, ids: list[int], clock: ManualClock) -> list[Event]:
    """Enrolments, then every kind of learner event interleaved, a withdrawal and a re-enrolment."""
    s1 = next(item for item in programme.sessions if item.id == "s1")
    now = clock.now
    events: list[Event] = [ProgrammeSaved("lead", 1)]
    events += [LearnerEnrolled("lead", "lead-1", learner) for learner in ids]
    for n, learner in enumerate(ids):
        events.append(SessionMissed("lead", "lead-1", learner, "s1", s1.end, n % 2 == 0))
        if n % 2:
            events.append(ModuleSatisfied("lead", "lead-1", learner, "intro", now))
    events += [
        ModuleSatisfied("lead", "lead-1", ids[0], "quiz", now),
        ProgrammeCompleted("lead", "lead-1", ids[0], now),
        LearnerInactive("lead", "lead-1", ids[2], now - timedelta(days=15), 14),
        LearnerWithdrawn("lead", "lead-1", ids[3]),
        LearnerEnrolled("lead", "lead-1", ids[3]),  # back again after withdrawing
        LearnerWithdrawn("lead", "lead-1", ids[4]),
        SessionMissed("lead", "lead-1", ids[4], "s1", s1.end, False),  # after the withdrawal
        LearnerEnrolled("lead", "lead-1", ids[1]),  # a second enrolment event changes nothing
    ]
    return events


async def planned_after(
    database: Database, groups: list[list[Event]], clock: ManualClock
) -> list[tuple[Any, ...]]:
    """The schedule after the planners handle `groups` in order (rolled back afterwards)."""
    rules = ProgrammeRules(parse_rules({}))
    planner = NotificationPlanner(rules, clock=clock)
    weekly = WeeklyPlanner(rules, clock=clock)
    async with database.write_session() as session, session.begin():
        for group in groups:
            async with session.begin_nested():
                await planner.on_events(group, session)
                await weekly.on_events(
                    [e for e in group if isinstance(e, (LearnerEnrolled, ProgrammeSaved))], session
                )
        rows = await schedule_rows(session)
        await session.rollback()
    return rows


async def test_a_group_plans_exactly_what_its_events_planned_one_by_one(database: Database) -> None:
    clock = ManualClock(COHORT_START + timedelta(days=20))  # s1 is over, s2 to come
    programme, learners = await install(database, EMAILS, clock.now)
    events = mixed_events(programme, [learners[email] for email in EMAILS], clock)

    one_by_one = await planned_after(database, [[event] for event in events], clock)
    at_once = await planned_after(database, [events], clock)

    assert len(one_by_one) > 6 * 10  # every learner's calendar, the nudges and the weekly messages
    assert {row[1] for row in one_by_one} >= {"planned", "cancelled"}
    assert at_once == one_by_one


async def test_the_bus_hands_the_planner_a_group_in_dispatch_order(database: Database) -> None:
    clock = ManualClock(COHORT_START + timedelta(days=20))
    programme, learners = await install(database, EMAILS[:3], clock.now)
    events = mixed_events(programme, [learners[email] for email in EMAILS[:3]][:3] * 2, clock)
    seen: list[list[Event]] = []

    async def record(group: list[Event], _session: AsyncSession) -> None:
        seen.append(group)

    bus = EventBus()
    bus.subscribe_ordered(LISTENER_NAMES, record)
    async with database.write_session() as session, session.begin():
        for event in events:
            await bus.dispatch(event, session)
        assert await bus.finish_group(session) == []
    assert seen == [events]
