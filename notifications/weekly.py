"""The weekly rules' schedule: one cohort update per cohort and ISO week, one team digest per cohort,
ISO week and programme team address, planned in advance as durable planned messages.

Keys are deterministic (`cohort_update:<cohort>:cohort:2026-W03`, `team_digest:<cohort>:cohort:
2026-W03:to-<hash of the address>`), so planning again moves a message rather than adding one and a
week's message is never sent twice. What the message says is worked out when it is sent
(notifications.weekly_send). `WeeklyPlanner` keeps the schedule in step with `programme.saved` (every
cohort, the rule switched off or its day changed) and with `learner.enrolled` (a cohort that has none
yet), inside the event's transaction like the other listeners.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.events.bus import EventBus, Unsubscribe
from lrs.events.types import Event, LearnerEnrolled, ProgrammeSaved
from lrs.programme.model import DEFAULT_TIMEZONE, Cohort, Programme
from lrs.programme.store import stored_programme
from lrs.storage.planned_message_models import PlannedMessage
from notifications import schedule
from notifications.rules import NotificationRules
from notifications.schedule import PlanItem

WEEKLY_RULES = ("cohort_update", "team_digest")
_DEFAULT_TIMES = {"cohort_update": time(9, 30), "team_digest": time(8, 0)}
DEFAULT_AHEAD = timedelta(days=14)

RulesFor = Callable[[Programme], NotificationRules]


@dataclass(frozen=True)
class WeeklySchedule:
    weekday: int  # 0 = Monday
    at: time
    time_zone: str
    to: tuple[str, ...] = ()
    ahead: timedelta = DEFAULT_AHEAD
    teams_channel: str | None = None  # the programme's channel for its cohorts' updates


def weekly_schedule(rules: NotificationRules, rule: str) -> WeeklySchedule:
    options = rules.rules[rule].options
    return WeeklySchedule(
        weekday=int(options.get("weekday", 0)),
        at=options.get("time", _DEFAULT_TIMES[rule]),
        time_zone=str(options.get("time_zone", DEFAULT_TIMEZONE)),
        to=tuple(options.get("to", ())),
        ahead=options.get("ahead", DEFAULT_AHEAD),
        teams_channel=options.get("teams_channel"),
    )


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def recipient_token(address: str) -> str:
    """A short stable name for a team address in keys and logs (which carry no addresses)."""
    return "to-" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:12]


def send_days(cohort: Cohort, weekday: int) -> list[date]:
    """The given weekday of every week from the cohort's start date to its end date, both included."""
    first = cohort.start + timedelta(days=(weekday - cohort.start.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range((cohort.end - first).days // 7 + 1)]


def weekly_items(
    programme: Programme, cohort: Cohort, rules: NotificationRules, now: datetime
) -> list[PlanItem]:
    """The cohort's weekly messages still to come (none already due is planned afresh)."""
    items: list[PlanItem] = []
    for rule in WEEKLY_RULES:
        if not rules.enabled(rule):
            continue
        wanted = weekly_schedule(rules, rule)
        if rule == "team_digest" and not wanted.to:
            continue  # nobody to send it to: the programme names its team in [notifications.team_digest]
        zone = ZoneInfo(wanted.time_zone)
        for day in send_days(cohort, wanted.weekday):
            due = datetime.combine(day, wanted.at, tzinfo=zone).astimezone(UTC)
            if due <= now:
                continue
            week = iso_week(day)
            context = {"week": week, "week_of": day.isoformat()}
            if rule == "cohort_update":
                items.append(PlanItem(rule, programme.id, cohort.id, None, week, due, context))
                continue
            items += [
                PlanItem(
                    rule,
                    programme.id,
                    cohort.id,
                    None,
                    f"{week}:{recipient_token(to)}",
                    due,
                    {**context, "to": to},
                )
                for to in wanted.to
            ]
    return items


async def plan_weekly(
    session: AsyncSession, programme: Programme, rules: NotificationRules, now: datetime
) -> None:
    """Plan every cohort's weekly messages, and cancel the future ones the programme no longer has."""
    for cohort in programme.cohorts:
        items = weekly_items(programme, cohort, rules, now)
        await schedule.plan(session, items, now)
        await schedule.cancel(
            session,
            cohort_id=cohort.id,
            rules=WEEKLY_RULES,
            except_keys=[item.key for item in items],
            reason=schedule.REMOVED_REASON,
            due_after=now,
            now=now,
        )


class WeeklyPlanner:
    def __init__(self, rules_for: RulesFor, *, clock: Clock) -> None:
        self.rules_for = rules_for
        self.clock = clock

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        names: dict[type[Event], str] = {
            ProgrammeSaved: "notifications.weekly.programme_saved",
            LearnerEnrolled: "notifications.weekly.enrolled",
        }
        return bus.subscribe_ordered(names, self.on_events)

    async def on_events(self, events: list[Event], session: AsyncSession) -> None:
        """A consumer group's events in order; a run of enrolments costs one look-up per cohort."""
        for kind, run in itertools.groupby(events, key=type):
            if kind is ProgrammeSaved:
                for event in run:
                    await self.on_programme_saved(cast(ProgrammeSaved, event), session)
            else:
                await self.plan_enrolled([cast(LearnerEnrolled, event) for event in run], session)

    async def on_programme_saved(self, event: ProgrammeSaved, session: AsyncSession) -> None:
        programme = await stored_programme(session, event.programme_id)
        await plan_weekly(session, programme, self.rules_for(programme), self.clock())

    async def on_enrolled(self, event: LearnerEnrolled, session: AsyncSession) -> None:
        await self.plan_enrolled([event], session)

    async def plan_enrolled(self, events: list[LearnerEnrolled], session: AsyncSession) -> None:
        """A programme saved before the weekly rules existed gets its weekly messages at the next
        enrolment (one look-up per cohort when the cohort has them already). Later enrolments in
        a cohort would only look again and find what the first planned (or plan nothing again)."""
        cohorts = dict.fromkeys((event.cohort_id, event.programme_id) for event in events)
        for cohort_id, programme_id in cohorts:
            known = await session.scalar(
                select(PlannedMessage.id)
                .where(PlannedMessage.cohort_id == cohort_id, PlannedMessage.rule.in_(WEEKLY_RULES))
                .limit(1)
            )
            if known is None:
                programme = await stored_programme(session, programme_id)
                await plan_weekly(session, programme, self.rules_for(programme), self.clock())
