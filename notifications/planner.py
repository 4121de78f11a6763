"""Listeners that keep the schedule in step with events, inside the event's transaction.

One ordered group listener (`EventBus.subscribe_ordered`) gets every planner event of a consumer
group in the order they came, and handles each run of consecutive events of one type at once: the
programmes and rules once per run, the learners in one query, the plan in one `schedule.plan` and
the cancellations in one statement per cohort and module. Events of one type in a run touch
different messages or the same ones the same way, so a run planned at once plans exactly what its
events planned one by one; runs keep their order, so an enrolment followed by a withdrawal (or the
other way round) ends as it would have one event at a time.

Each writes only through the session it is given (on SQLite the worker's transaction holds the single
writer) and never sends: the sender loop does that later, outside any listener.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.errors import NotFound
from lrs.events.bus import EventBus, Unsubscribe
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
from lrs.programme.store import stored_programme
from lrs.storage.programme_models import LearnerRow, ProgrammeRow
from notifications import schedule
from notifications.invites import cancellation, sent_invitations
from notifications.replan import RulesFor, replan_programme
from notifications.rules import NotificationRules, format_duration
from notifications.schedule import PlanItem
from notifications.timeline import CohortCalendar, welcome

# The durable listener names (retries are addressed to them), one per event type.
LISTENER_NAMES: dict[type[Event], str] = {
    LearnerEnrolled: "notifications.enrolled",
    LearnerWithdrawn: "notifications.withdrawn",
    ModuleSatisfied: "notifications.module_satisfied",
    ProgrammeCompleted: "notifications.completed",
    SessionMissed: "notifications.missed",
    LearnerInactive: "notifications.inactive",
    ProgrammeSaved: "notifications.programme_saved",
}


class _Programmes:
    """The programmes (and their rules) a run names, each read once."""

    def __init__(self, session: AsyncSession, rules_for: RulesFor) -> None:
        self.session, self.rules_for = session, rules_for
        self._found: dict[str, tuple[Programme, NotificationRules]] = {}

    async def get(self, programme_id: str) -> tuple[Programme, NotificationRules]:
        if programme_id not in self._found:
            programme = await stored_programme(self.session, programme_id)
            self._found[programme_id] = (programme, self.rules_for(programme))
        return self._found[programme_id]

    async def rules(self, programme_id: str) -> NotificationRules:
        return (await self.get(programme_id))[1]


class NotificationPlanner:
    def __init__(self, rules_for: RulesFor, *, clock: Clock) -> None:
        self.rules_for = rules_for
        self.clock = clock
        self._runs: dict[type[Event], Callable[[Any, AsyncSession], Awaitable[None]]] = {
            LearnerEnrolled: self.plan_enrolled,
            LearnerWithdrawn: self.plan_withdrawn,
            ModuleSatisfied: self.plan_module_satisfied,
            ProgrammeCompleted: self.plan_completed,
            SessionMissed: self.plan_missed,
            LearnerInactive: self.plan_inactive,
            ProgrammeSaved: self.plan_programme_saved,
        }

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        return bus.subscribe_ordered(LISTENER_NAMES, self.on_events)

    async def on_events(self, events: list[Event], session: AsyncSession) -> None:
        """Handle each run of consecutive events of one type at once, runs in order."""
        for kind, run in itertools.groupby(events, key=type):
            await self._runs[kind](list(run), session)

    # One event at a time (callers outside the worker): the same code with a run of one.
    async def on_enrolled(self, event: LearnerEnrolled, session: AsyncSession) -> None:
        await self.plan_enrolled([event], session)

    async def on_withdrawn(self, event: LearnerWithdrawn, session: AsyncSession) -> None:
        await self.plan_withdrawn([event], session)

    async def on_module_satisfied(self, event: ModuleSatisfied, session: AsyncSession) -> None:
        await self.plan_module_satisfied([event], session)

    async def on_completed(self, event: ProgrammeCompleted, session: AsyncSession) -> None:
        await self.plan_completed([event], session)

    async def on_missed(self, event: SessionMissed, session: AsyncSession) -> None:
        await self.plan_missed([event], session)

    async def on_inactive(self, event: LearnerInactive, session: AsyncSession) -> None:
        await self.plan_inactive([event], session)

    async def on_programme_saved(self, event: ProgrammeSaved, session: AsyncSession) -> None:
        await self.plan_programme_saved([event], session)

    async def plan_enrolled(self, events: Sequence[LearnerEnrolled], session: AsyncSession) -> None:
        """Every new learner's calendar (and welcome), worked out from one calendar per cohort."""
        now, programmes = self.clock(), _Programmes(session, self.rules_for)
        ids = sorted({event.learner_id for event in events})
        emails = dict(
            (
                await session.execute(select(LearnerRow.id, LearnerRow.email).where(LearnerRow.id.in_(ids)))
            ).all()
        )
        calendars: dict[tuple[str, str], CohortCalendar] = {}
        items: list[PlanItem] = []
        for event in events:
            programme, rules = await programmes.get(event.programme_id)
            if event.learner_id not in emails:
                continue
            calendar = calendars.get((programme.id, event.cohort_id))
            if calendar is None:
                version = await session.scalar(
                    select(ProgrammeRow.version).where(ProgrammeRow.id == programme.id)
                )
                calendar = CohortCalendar(programme, event.cohort_id, rules, now, sequence=version or 0)
                calendars[(programme.id, event.cohort_id)] = calendar
            items += calendar.items_for(event.learner_id, emails[event.learner_id])
            if rules.enabled("welcome"):
                items.append(welcome(programme, event.cohort_id, event.learner_id, now))
        await schedule.plan(session, items, now)

    async def plan_withdrawn(self, events: Sequence[LearnerWithdrawn], session: AsyncSession) -> None:
        """Withdrawals are rare: each is handled as it was alone, in order."""
        for event in events:
            await self._withdrawn(event, session)

    async def _withdrawn(self, event: LearnerWithdrawn, session: AsyncSession) -> None:
        now = self.clock()
        await schedule.cancel(
            session,
            cohort_id=event.cohort_id,
            learner_id=event.learner_id,
            reason="the learner withdrew",
            now=now,
        )
        learner = await session.get(LearnerRow, event.learner_id)
        if learner is None or learner.erased_at is not None:
            return  # erased (lrs person erase): nothing more goes to them, not even a CANCEL
        sent = await sent_invitations(session, event.cohort_id, now, learner_id=event.learner_id)
        await schedule.plan(
            session,
            [
                cancellation(context, event.programme_id, event.cohort_id, event.learner_id, now)
                for _l, context in sent
            ],
            now,
        )

    async def plan_module_satisfied(self, events: Sequence[ModuleSatisfied], session: AsyncSession) -> None:
        """Cancel the satisfied modules' date nudges (one statement per cohort and module) and plan
        the congratulations."""
        now, programmes = self.clock(), _Programmes(session, self.rules_for)
        learners: dict[tuple[str, str, str], set[int]] = {}
        items: list[PlanItem] = []
        for event in events:
            learners.setdefault((event.programme_id, event.cohort_id, event.module_id), set()).add(
                event.learner_id
            )
            if (await programmes.rules(event.programme_id)).enabled("congratulations"):
                context = {"module_id": event.module_id, "achievement": "module"}
                occurrence = f"module:{event.module_id}"
                items.append(
                    PlanItem(
                        "congratulations",
                        event.programme_id,
                        event.cohort_id,
                        event.learner_id,
                        occurrence,
                        now,
                        context,
                    )
                )
        for (programme_id, cohort_id, module_id), learner_ids in sorted(learners.items()):
            occurrences = _module_occurrences(await programmes.rules(programme_id))
            await schedule.cancel(
                session,
                cohort_id=cohort_id,
                learner_ids=learner_ids,
                rules=("module_due", "module_overdue"),
                occurrences=[f"{module_id}:{offset}" for offset in occurrences],
                reason=f"module {module_id} is satisfied",
                now=now,
            )
        await schedule.plan(session, items, now)

    async def plan_completed(self, events: Sequence[ProgrammeCompleted], session: AsyncSession) -> None:
        now, programmes = self.clock(), _Programmes(session, self.rules_for)
        items = [
            PlanItem(
                "congratulations",
                event.programme_id,
                event.cohort_id,
                event.learner_id,
                "programme",
                now,
                {"achievement": "programme"},
            )
            for event in events
            if (await programmes.rules(event.programme_id)).enabled("congratulations")
        ]
        await schedule.plan(session, items, now)

    async def plan_missed(self, events: Sequence[SessionMissed], session: AsyncSession) -> None:
        now, programmes = self.clock(), _Programmes(session, self.rules_for)
        items: list[PlanItem] = []
        contexts: dict[str, dict[str, str]] = {}  # one context per session: stored as one text
        for event in events:
            rules = await programmes.rules(event.programme_id)
            if not rules.enabled("missed_session"):
                continue
            delay = next(iter(rules.offsets("missed_session", "after")), timedelta(0))
            context = contexts.setdefault(event.session_id, {"session_id": event.session_id})
            item = PlanItem(
                "missed_session",
                event.programme_id,
                event.cohort_id,
                event.learner_id,
                event.session_id,
                max(event.session_end + delay, now),
                context,
            )
            items.append(item)
        await schedule.plan(session, items, now)

    async def plan_inactive(self, events: Sequence[LearnerInactive], session: AsyncSession) -> None:
        now, programmes = self.clock(), _Programmes(session, self.rules_for)
        items: list[PlanItem] = []
        for event in events:
            if not (await programmes.rules(event.programme_id)).enabled("inactivity"):
                continue
            since = event.last_activity_at.isoformat()
            context = {"last_activity_at": since, "inactive_days": event.inactive_days}
            item = PlanItem(
                "inactivity",
                event.programme_id,
                event.cohort_id,
                event.learner_id,
                f"since:{since}",
                now,
                context,
            )
            items.append(item)
        await schedule.plan(session, items, now)

    async def plan_programme_saved(self, events: Sequence[ProgrammeSaved], session: AsyncSession) -> None:
        """Re-plan what the change touched: moved sessions move, removed ones are cancelled (rare:
        each event as it was alone)."""
        for event in events:
            stored = await session.get(ProgrammeRow, event.programme_id)
            if stored is None:
                raise NotFound(f"no programme {event.programme_id!r}")
            await replan_programme(session, stored, self.rules_for, now=self.clock())


def _module_occurrences(rules: NotificationRules) -> list[str]:
    offsets = rules.offsets("module_due", "before") + rules.offsets("module_overdue", "after")
    return sorted({format_duration(offset) for offset in offsets})
