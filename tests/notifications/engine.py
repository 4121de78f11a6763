"""A small cohort wired to the notifications engine: the progress projection and the planner on one
bus, a sender through a real SMTP server, a clock the test moves, and readers of the schedule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from connectors.base import Connector
from lrs.events.bus import EventBus
from lrs.events.timers import next_timer_due
from lrs.events.worker import OutboxWorker
from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress.install import progress_options
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import LearnerRow
from notifications.planner import NotificationPlanner
from notifications.rules import NotificationRules, ProgrammeRules, parse_rules
from notifications.sender import NotificationSender, SenderOptions
from notifications.weekly import WeeklyPlanner
from tests.lrs.progress.cohort import lead_definition
from tests.notifications.support import ManualClock


def due_definition() -> dict[str, Any]:
    """The progress tests' programme, with due dates on its modules (cohort starts 5 Jan 2026)."""
    definition = lead_definition()
    definition["modules"][0]["due"] = "P4W"  # intro: Monday 2 February
    definition["modules"][1]["due"] = "P6W"  # quiz: Monday 16 February
    return definition


@dataclass
class Engine:
    database: Database
    clock: ManualClock
    worker: OutboxWorker
    sender: NotificationSender

    async def run(self) -> None:
        """Project and plan everything outstanding, then send what is due, until nothing is left."""
        while await self.worker.run_until_idle() + await self.sender.step():
            pass

    async def at(self, when: datetime) -> None:
        """Live through to `when`, stopping at every due message and timer on the way (as a worker
        polling all along would), so each message goes out at its own time."""
        await self.run()
        while (upcoming := await next_due(self.database)) is not None and upcoming <= when:
            self.clock.move_to(upcoming)
            await self.run()
        self.clock.move_to(when)
        await self.run()


async def next_due(database: Database) -> datetime | None:
    async with database.read_session() as session:
        message = await session.scalar(
            select(func.min(PlannedMessage.due_at)).where(PlannedMessage.state == "planned")
        )
    timer = await next_timer_due(database)
    return min((moment for moment in (message, timer) if moment is not None), default=None)


# Most tests follow one learner's reminders and nudges; calendar invitations (test_invites.py) and the
# weekly cohort messages (test_weekly.py, test_cohort_simulation.py) have their own.
WITHOUT_INVITES = parse_rules({"session_invite": False, "cohort_update": False, "team_digest": False})


def engine(
    database: Database,
    clock: ManualClock,
    connectors: Mapping[str, Connector],
    rules: NotificationRules | None = None,
) -> Engine:
    chosen = rules or WITHOUT_INVITES
    settings = replace(Settings(), public_url="https://lrs.test")
    bus = EventBus()
    ProgressProjector(progress_options(settings), clock=clock).subscribe(bus)
    NotificationPlanner(ProgrammeRules(chosen), clock=clock).subscribe(bus)
    WeeklyPlanner(ProgrammeRules(chosen), clock=clock).subscribe(bus)
    sender = NotificationSender(
        database,
        connectors,
        clock=clock,
        rules_for=ProgrammeRules(chosen),
        options=SenderOptions(base_url="https://lrs.test"),
    )
    return Engine(database, clock, OutboxWorker(database, bus, clock=clock), sender)


async def install(
    database: Database, emails: list[str], now: datetime, definition: dict[str, Any] | None = None
) -> tuple[Programme, dict[str, int]]:
    programme = parse_programme(definition or due_definition())
    rows = [
        RosterRow(
            index + 2, f"Learner{index} Surname", email, "", "north-council", "Head of Digital", "lead-1"
        )
        for index, email in enumerate(emails)
    ]
    async with database.write_session() as session, session.begin():
        await save_programme(session, programme, source="test", now=now)
        await import_roster(session, rows, now=now)
        found = await session.execute(select(LearnerRow.email, LearnerRow.id))
        return programme, dict(found.all())


async def planned(database: Database) -> dict[str, PlannedMessage]:
    async with database.read_session() as session:
        return {row.key: row for row in await session.scalars(select(PlannedMessage))}


async def states(database: Database) -> dict[str, tuple[str, str | None]]:
    return {key: (row.state, row.reason) for key, row in (await planned(database)).items()}


async def timeline(database: Database, learner_id: int) -> list[tuple[str, str, str]]:
    """(rule, occurrence, state) of a learner's messages in the order they were due."""
    rows = sorted(
        (row.due_at, row.id, row.rule, row.occurrence, row.state)
        for row in (await planned(database)).values()
        if row.learner_id == learner_id
    )
    return [(rule, occurrence, state) for _due, _id, rule, occurrence, state in rows]
