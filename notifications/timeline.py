"""What a learner's communications calendar holds: pure functions from the programme to plan items.

No I/O and no clock of its own: callers pass `now`, and nothing already past is planned (a learner who
enrols late gets no stale T-7 reminder). Module dates are sent at `SEND_HOUR` local time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lrs.programme.model import DEFAULT_TIMEZONE, Programme, Session, SessionKind
from notifications.invites import invitations
from notifications.rules import NotificationRules, format_duration
from notifications.schedule import PlanItem

SEND_HOUR = time(9, 0)
# Rules the calendar owns: re-planning cancels their messages that the programme no longer holds.
CALENDAR_RULES = ("session_reminder", "module_due", "module_overdue", "review_day_invite", "session_invite")


def expects(session: Session, email: str) -> bool:
    if session.expected_attendees is None:
        return True
    return email.strip().lower() in {item.strip().lower() for item in session.expected_attendees}


def at_send_hour(day: date, zone: str = DEFAULT_TIMEZONE) -> datetime:
    return datetime.combine(day, SEND_HOUR, tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


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
    """Every future reminder, module date and review-day invitation of one learner, and a calendar
    invitation (due now) for each session still to come; `sequence` is the invitations' SEQUENCE."""
    items = _session_items(programme, cohort_id, learner_id, email, rules)
    items += _module_items(programme, cohort_id, learner_id, rules)
    planned = [item for item in items if item.due_at > now]
    if rules.enabled("session_invite"):
        sessions = [item for item in programme.sessions_of(cohort_id) if expects(item, email)]
        planned += invitations(programme, sessions, cohort_id, learner_id, sequence, now)
    return planned


def welcome(programme: Programme, cohort_id: str, learner_id: int, now: datetime) -> PlanItem:
    return PlanItem("welcome", programme.id, cohort_id, learner_id, "enrolment", now)


def _session_items(
    programme: Programme, cohort_id: str, learner_id: int, email: str, rules: NotificationRules
) -> list[PlanItem]:
    items: list[PlanItem] = []
    sessions = [item for item in programme.sessions_of(cohort_id) if expects(item, email)]
    for session in sessions:
        if rules.enabled("session_reminder"):
            for offset in rules.offsets("session_reminder", "before"):
                occurrence = f"{session.id}:{format_duration(offset)}"
                context = {"session_id": session.id, "starts_at": session.start.isoformat()}
                due = session.start - offset
                items.append(
                    PlanItem(
                        "session_reminder", programme.id, cohort_id, learner_id, occurrence, due, context
                    )
                )
        if session.kind is SessionKind.REVIEW_DAY and rules.enabled("review_day_invite"):
            items.extend(_review_day_items(programme, cohort_id, learner_id, session, rules))
    return items


def _review_day_items(
    programme: Programme, cohort_id: str, learner_id: int, review: Session, rules: NotificationRules
) -> list[PlanItem]:
    """The invitation goes out an offset after the cohort's last block day before the review day."""
    block_days = [
        item.end
        for item in programme.sessions_of(cohort_id)
        if item.kind in {SessionKind.BLOCK_DAY, SessionKind.RESIDENTIAL} and item.end <= review.start
    ]
    if not block_days:
        return []
    context = {"session_id": review.id, "starts_at": review.start.isoformat()}
    return [
        PlanItem(
            "review_day_invite",
            programme.id,
            cohort_id,
            learner_id,
            review.id,
            max(block_days) + offset,
            context,
        )
        for offset in rules.offsets("review_day_invite", "after")[:1]
    ]


def _module_items(
    programme: Programme, cohort_id: str, learner_id: int, rules: NotificationRules
) -> list[PlanItem]:
    cohort = programme.cohort(cohort_id)
    items: list[PlanItem] = []
    for module in programme.modules:
        due_date = module.due_date(cohort)
        if due_date is None:
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
                items.append(PlanItem(rule, programme.id, cohort_id, learner_id, occurrence, due, context))
    return items
