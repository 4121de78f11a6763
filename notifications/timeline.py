"""What a learner's communications calendar holds: pure functions from the programme to plan items.

No I/O and no clock of its own: callers pass `now`, and nothing already past is planned (a learner who
enrols late gets no stale T-7 reminder). Module dates are sent at `SEND_HOUR` local time.

`CohortCalendar` works out a cohort's calendar once (which sessions, offsets and dates) and then
stamps it for each learner, so planning a cohort of thousands costs one pass over the programme.
A `CalendarScope` limits it to some sessions and modules: re-planning after a change plans only
what changed (notifications.replan).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lrs.programme.model import DEFAULT_TIMEZONE, Programme, Session, SessionKind
from notifications.invites import invitations
from notifications.rules import NotificationRules, format_duration
from notifications.schedule import PlanItem

SEND_HOUR = time(9, 0)
# Rules the calendar owns: re-planning cancels their messages that the programme no longer holds.
CALENDAR_RULES = ("session_reminder", "module_due", "module_overdue", "review_day_invite", "session_invite")
EVERYONE = None  # `email` for the calendar of the whole cohort, whoever the sessions expect
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)  # `now` that keeps every item, past ones too


@dataclass(frozen=True)
class CalendarScope:
    """The sessions and modules (by id) a calendar covers; None: all of them."""

    sessions: frozenset[str] | None = None
    modules: frozenset[str] | None = None

    def covers_session(self, session_id: str) -> bool:
        return self.sessions is None or session_id in self.sessions

    def covers_module(self, module_id: str) -> bool:
        return self.modules is None or module_id in self.modules


WHOLE = CalendarScope()


@dataclass(frozen=True)
class _Template:
    """A plan item without its learner."""

    rule: str
    occurrence: str
    due_at: datetime
    context: Mapping[str, Any]


def expects(session: Session, email: str | None) -> bool:
    if session.expected_attendees is None or email is EVERYONE:
        return True
    return email.strip().lower() in {item.strip().lower() for item in session.expected_attendees}


def at_send_hour(day: date, zone: str = DEFAULT_TIMEZONE) -> datetime:
    return datetime.combine(day, SEND_HOUR, tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


class CohortCalendar:
    """One cohort's calendar under `rules` as of `now`, limited to `scope`; `sequence` is the
    invitations' SEQUENCE."""

    def __init__(
        self,
        programme: Programme,
        cohort_id: str,
        rules: NotificationRules,
        now: datetime,
        *,
        sequence: int = 0,
        scope: CalendarScope = WHOLE,
    ) -> None:
        self.programme, self.cohort_id, self.rules = programme, cohort_id, rules
        self.now, self.sequence = now, sequence
        cohort_sessions = programme.sessions_of(cohort_id)
        self.sessions = [item for item in cohort_sessions if scope.covers_session(item.id)]
        self._session_templates = [
            (item, [t for t in _session_templates(item, cohort_sessions, rules) if t.due_at > now])
            for item in self.sessions
        ]
        modules = [t for t in _module_templates(programme, cohort_id, rules, scope) if t.due_at > now]
        self._module_templates = modules

    def items_for(self, learner_id: int, email: str | None) -> list[PlanItem]:
        """Every future reminder, module date and review-day invitation of one learner, and a calendar
        invitation (due now) for each session still to come."""
        stamp = self._stamp(learner_id)
        expected = [(item, templates) for item, templates in self._session_templates if expects(item, email)]
        planned = [stamp(template) for _item, templates in expected for template in templates]
        planned += [stamp(template) for template in self._module_templates]
        if self.rules.enabled("session_invite"):
            sessions = [item for item, _templates in expected]
            planned += invitations(
                self.programme, sessions, self.cohort_id, learner_id, self.sequence, self.now
            )
        return planned

    def occurrences(self) -> set[tuple[str, str]]:
        """(rule, occurrence) of everything this calendar holds for anyone."""
        return {(item.rule, item.occurrence) for item in self.items_for(0, EVERYONE)}

    def _stamp(self, learner_id: int) -> Callable[[_Template], PlanItem]:
        programme_id, cohort_id = self.programme.id, self.cohort_id

        def stamp(template: _Template) -> PlanItem:
            return PlanItem(
                template.rule,
                programme_id,
                cohort_id,
                learner_id,
                template.occurrence,
                template.due_at,
                template.context,
            )

        return stamp


def learner_calendar(
    programme: Programme,
    cohort_id: str,
    learner_id: int,
    email: str,
    rules: NotificationRules,
    now: datetime,
    *,
    sequence: int = 0,
) -> list[PlanItem]:
    """Every future item of one learner's calendar (see CohortCalendar.items_for)."""
    calendar = CohortCalendar(programme, cohort_id, rules, now, sequence=sequence)
    return calendar.items_for(learner_id, email)


def welcome(programme: Programme, cohort_id: str, learner_id: int, now: datetime) -> PlanItem:
    return PlanItem("welcome", programme.id, cohort_id, learner_id, "enrolment", now)


def _session_templates(
    session: Session, cohort_sessions: tuple[Session, ...], rules: NotificationRules
) -> list[_Template]:
    templates: list[_Template] = []
    if rules.enabled("session_reminder"):
        context = {"session_id": session.id, "starts_at": session.start.isoformat()}
        for offset in rules.offsets("session_reminder", "before"):
            occurrence = f"{session.id}:{format_duration(offset)}"
            templates.append(_Template("session_reminder", occurrence, session.start - offset, context))
    if session.kind is SessionKind.REVIEW_DAY and rules.enabled("review_day_invite"):
        templates.extend(_review_day_templates(session, cohort_sessions, rules))
    return templates


def _review_day_templates(
    review: Session, cohort_sessions: tuple[Session, ...], rules: NotificationRules
) -> list[_Template]:
    """The invitation goes out an offset after the cohort's last block day before the review day."""
    block_days = [
        item.end
        for item in cohort_sessions
        if item.kind in {SessionKind.BLOCK_DAY, SessionKind.RESIDENTIAL} and item.end <= review.start
    ]
    if not block_days:
        return []
    context = {"session_id": review.id, "starts_at": review.start.isoformat()}
    return [
        _Template("review_day_invite", review.id, max(block_days) + offset, context)
        for offset in rules.offsets("review_day_invite", "after")[:1]
    ]


def _module_templates(
    programme: Programme, cohort_id: str, rules: NotificationRules, scope: CalendarScope
) -> list[_Template]:
    cohort = programme.cohort(cohort_id)
    templates: list[_Template] = []
    for module in programme.modules:
        due_date = module.due_date(cohort)
        if due_date is None or not scope.covers_module(module.id):
            continue
        context = {"module_id": module.id, "due_date": due_date.isoformat()}
        for rule, name, sign in (("module_due", "before", -1), ("module_overdue", "after", 1)):
            if not rules.enabled(rule):
                continue
            for offset in rules.offsets(rule, name):
                due = at_send_hour(due_date + sign * timedelta(days=offset.days)) + sign * (
                    offset - timedelta(days=offset.days)
                )
                occurrence = f"{module.id}:{format_duration(offset)}"
                templates.append(_Template(rule, occurrence, due, context))
    return templates
