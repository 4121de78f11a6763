"""What a learner's communications calendar holds: pure functions from the programme to plan items.

No I/O and no clock of its own: callers pass `now`, and nothing already past is planned (a learner who
enrols late gets no stale T-7 reminder). Module dates are sent at `SEND_HOUR` local time.

`CohortCalendar` works out a cohort's calendar once, as entries the same for every learner they go to
(which sessions, offsets and dates), and then stamps them for each learner (`items_for`), or hands
them to `notifications.calendar_rows` to be written set-wise for the whole cohort.
A `CalendarScope` limits it to some sessions and modules: re-planning after a change plans only
what changed (notifications.replan).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lrs.programme.model import DEFAULT_TIMEZONE, Programme, Session, SessionKind
from notifications.invites import invitation_context, invitation_occurrence, invite_uid
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
class CalendarEntry:
    """One item of a cohort's calendar, the same for each learner it goes to: everyone in the cohort,
    or the attendees its `session` expects. An invitation (`invites`) also names its learner's UID."""

    rule: str
    occurrence: str
    due_at: datetime
    context: Mapping[str, Any]
    session: Session | None = None  # a session's reminder, review-day message or invitation
    invites: bool = False

    def goes_to(self, email: str | None) -> bool:
        return self.session is None or expects(self.session, email)

    def context_for(self, cohort_id: str, learner_id: int) -> Mapping[str, Any]:
        if not self.invites or self.session is None:
            return self.context
        return {**self.context, "uid": invite_uid(cohort_id, self.session.id, learner_id)}


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
        entries = [
            entry
            for item in self.sessions
            for entry in _session_entries(item, cohort_sessions, rules)
            if entry.due_at > now
        ]
        entries += [
            entry for entry in _module_entries(programme, cohort_id, rules, scope) if entry.due_at > now
        ]
        if rules.enabled("session_invite"):
            entries += [_invitation(item, sequence, now) for item in self.sessions if item.start > now]
        self.entries = entries  # in the order a learner's items are planned

    def items_for(self, learner_id: int, email: str | None) -> list[PlanItem]:
        """Every future reminder, module date and review-day invitation of one learner, and a calendar
        invitation (due now) for each session still to come."""
        programme_id, cohort_id = self.programme.id, self.cohort_id
        return [
            PlanItem(
                entry.rule,
                programme_id,
                cohort_id,
                learner_id,
                entry.occurrence,
                entry.due_at,
                entry.context_for(cohort_id, learner_id),
            )
            for entry in self.entries
            if entry.goes_to(email)
        ]

    def occurrences(self) -> set[tuple[str, str]]:
        """(rule, occurrence) of everything this calendar holds for anyone."""
        return {(entry.rule, entry.occurrence) for entry in self.entries}


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


def _invitation(session: Session, sequence: int, now: datetime) -> CalendarEntry:
    context = invitation_context(session, sequence)
    return CalendarEntry(
        "session_invite", invitation_occurrence(session), now, context, session, invites=True
    )


def _session_entries(
    session: Session, cohort_sessions: tuple[Session, ...], rules: NotificationRules
) -> list[CalendarEntry]:
    entries: list[CalendarEntry] = []
    if rules.enabled("session_reminder"):
        context = {"session_id": session.id, "starts_at": session.start.isoformat()}
        for offset in rules.offsets("session_reminder", "before"):
            occurrence = f"{session.id}:{format_duration(offset)}"
            entries.append(
                CalendarEntry("session_reminder", occurrence, session.start - offset, context, session)
            )
    if session.kind is SessionKind.REVIEW_DAY and rules.enabled("review_day_invite"):
        entries.extend(_review_day_entries(session, cohort_sessions, rules))
    return entries


def _review_day_entries(
    review: Session, cohort_sessions: tuple[Session, ...], rules: NotificationRules
) -> list[CalendarEntry]:
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
        CalendarEntry("review_day_invite", review.id, max(block_days) + offset, context, review)
        for offset in rules.offsets("review_day_invite", "after")[:1]
    ]


def _module_entries(
    programme: Programme, cohort_id: str, rules: NotificationRules, scope: CalendarScope
) -> list[CalendarEntry]:
    cohort = programme.cohort(cohort_id)
    entries: list[CalendarEntry] = []
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
                entries.append(CalendarEntry(rule, occurrence, due, context))
    return entries
