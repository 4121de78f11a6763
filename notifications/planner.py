"""Listeners that keep the schedule in step with events, inside the event's transaction.

Each writes only through the session it is given (on SQLite the worker's transaction holds the single
writer) and never sends: the sender loop does that later, outside any listener.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.errors import NotFound
from lrs.events.bus import EventBus, Unsubscribe
from lrs.events.types import (
    LearnerEnrolled,
    LearnerInactive,
    LearnerWithdrawn,
    ModuleSatisfied,
    ProgrammeCompleted,
    ProgrammeSaved,
    SessionMissed,
)
from lrs.programme.store import stored_programme
from lrs.storage.programme_models import LearnerRow, ProgrammeRow
from notifications import schedule
from notifications.invites import cancellation, sent_invitations
from notifications.replan import RulesFor, replan_programme
from notifications.rules import NotificationRules, format_duration
from notifications.schedule import PlanItem
from notifications.timeline import learner_calendar, welcome


class NotificationPlanner:
    def __init__(self, rules_for: RulesFor, *, clock: Clock) -> None:
        self.rules_for = rules_for
        self.clock = clock

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        handles = [
            bus.subscribe(LearnerEnrolled, self.on_enrolled, name="notifications.enrolled"),
            bus.subscribe(LearnerWithdrawn, self.on_withdrawn, name="notifications.withdrawn"),
            bus.subscribe(ModuleSatisfied, self.on_module_satisfied, name="notifications.module_satisfied"),
            bus.subscribe(ProgrammeCompleted, self.on_completed, name="notifications.completed"),
            bus.subscribe(SessionMissed, self.on_missed, name="notifications.missed"),
            bus.subscribe(LearnerInactive, self.on_inactive, name="notifications.inactive"),
            bus.subscribe(ProgrammeSaved, self.on_programme_saved, name="notifications.programme_saved"),
        ]

        def unsubscribe() -> None:
            for handle in handles:
                handle()

        return unsubscribe

    async def on_enrolled(self, event: LearnerEnrolled, session: AsyncSession) -> None:
        now = self.clock()
        programme = await stored_programme(session, event.programme_id)
        rules = self.rules_for(programme)
        learner = await session.get(LearnerRow, event.learner_id)
        if learner is None:
            return
        version = await session.scalar(select(ProgrammeRow.version).where(ProgrammeRow.id == programme.id))
        items = learner_calendar(
            programme, event.cohort_id, event.learner_id, learner.email, rules, now, sequence=version or 0
        )
        if rules.enabled("welcome"):
            items.append(welcome(programme, event.cohort_id, event.learner_id, now))
        await schedule.plan(session, items, now)

    async def on_withdrawn(self, event: LearnerWithdrawn, session: AsyncSession) -> None:
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

    async def _rules(self, session: AsyncSession, programme_id: str) -> NotificationRules:
        return self.rules_for(await stored_programme(session, programme_id))

    async def on_module_satisfied(self, event: ModuleSatisfied, session: AsyncSession) -> None:
        now, rules = self.clock(), await self._rules(session, event.programme_id)
        await schedule.cancel(
            session,
            cohort_id=event.cohort_id,
            learner_id=event.learner_id,
            rules=("module_due", "module_overdue"),
            occurrences=[f"{event.module_id}:{offset}" for offset in _module_occurrences(rules)],
            reason=f"module {event.module_id} is satisfied",
            now=now,
        )
        if rules.enabled("congratulations"):
            context = {"module_id": event.module_id, "achievement": "module"}
            item = PlanItem(
                "congratulations",
                event.programme_id,
                event.cohort_id,
                event.learner_id,
                f"module:{event.module_id}",
                now,
                context,
            )
            await schedule.plan(session, [item], now)

    async def on_completed(self, event: ProgrammeCompleted, session: AsyncSession) -> None:
        now = self.clock()
        if (await self._rules(session, event.programme_id)).enabled("congratulations"):
            item = PlanItem(
                "congratulations",
                event.programme_id,
                event.cohort_id,
                event.learner_id,
                "programme",
                now,
                {"achievement": "programme"},
            )
            await schedule.plan(session, [item], now)

    async def on_missed(self, event: SessionMissed, session: AsyncSession) -> None:
        now, rules = self.clock(), await self._rules(session, event.programme_id)
        if not rules.enabled("missed_session"):
            return
        delay = next(iter(rules.offsets("missed_session", "after")), timedelta(0))
        item = PlanItem(
            "missed_session",
            event.programme_id,
            event.cohort_id,
            event.learner_id,
            event.session_id,
            max(event.session_end + delay, now),
            {"session_id": event.session_id},
        )
        await schedule.plan(session, [item], now)

    async def on_inactive(self, event: LearnerInactive, session: AsyncSession) -> None:
        now = self.clock()
        if not (await self._rules(session, event.programme_id)).enabled("inactivity"):
            return
        since = event.last_activity_at.isoformat()
        item = PlanItem(
            "inactivity",
            event.programme_id,
            event.cohort_id,
            event.learner_id,
            f"since:{since}",
            now,
            {"last_activity_at": since, "inactive_days": event.inactive_days},
        )
        await schedule.plan(session, [item], now)

    async def on_programme_saved(self, event: ProgrammeSaved, session: AsyncSession) -> None:
        """Re-plan what the change touched: moved sessions move, removed ones are cancelled."""
        stored = await session.get(ProgrammeRow, event.programme_id)
        if stored is None:
            raise NotFound(f"no programme {event.programme_id!r}")
        await replan_programme(session, stored, self.rules_for, now=self.clock())


def _module_occurrences(rules: NotificationRules) -> list[str]:
    offsets = rules.offsets("module_due", "before") + rules.offsets("module_overdue", "after")
    return sorted({format_duration(offset) for offset in offsets})
