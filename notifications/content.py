"""What a planned message says: the render context from the learner's real data, and the renderer.

The renderer is `notifications.templates.render` (jinja2 template sets per rule and language) when
that module is installed; until then `plain_render` writes a short plain-English message per rule,
so the engine works end to end with nothing but the schedule.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from lrs.programme.model import DEFAULT_TIMEZONE, Programme
from lrs.storage.planned_message_models import PlannedMessage


class Content(Protocol):
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str | None: ...
    @property
    def card(self) -> dict[str, Any] | None: ...
    @property
    def activity_text(self) -> str | None: ...


class Render(Protocol):
    def __call__(
        self,
        rule: str,
        channel: str,
        context: Mapping[str, Any],
        *,
        language: str = "en",
        override_dir: Path | None = None,
    ) -> Content: ...


@dataclass(frozen=True)
class PlainContent:
    subject: str
    text: str
    html: str | None = None
    card: dict[str, Any] | None = None
    activity_text: str | None = None


@dataclass(frozen=True)
class LearnerFacts:
    learner_id: int
    name: str
    email: str
    time_zone: str = DEFAULT_TIMEZONE
    rsvp_state: str | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else "there"


def render_context(
    row: PlannedMessage, programme: Programme, learner: LearnerFacts, base_url: str
) -> dict[str, Any]:
    """The template variables for one message (documented in notifications/templates.py)."""
    stored: dict[str, Any] = json.loads(row.context)
    cohort = programme.cohort(row.cohort_id)
    context: dict[str, Any] = {
        **stored,
        "rule": row.rule,
        "first_name": learner.first_name,
        "programme_title": programme.title,
        "cohort_title": cohort.title,
        "deep_link": f"{base_url.rstrip('/')}/programmes/{programme.id}",
        "programme_description": programme.description,
        "cohort_start_local": _local_date(cohort.start),
        "cohort_end_local": _local_date(cohort.end),
        "first_module_title": programme.modules[0].title if programme.modules else "",
    }
    if "module_id" in stored:
        module = next(item for item in programme.modules if item.id == stored["module_id"])
        due = module.due_date(cohort)
        context["module_title"] = module.title
        context["due_date_local"] = _local_date(due) if due else ""
    found = next((item for item in programme.sessions if item.id == stored.get("session_id")), None)
    if found is not None:
        context["session_title"] = found.title
        context["starts_at_local"] = _local_time(found.start, learner.time_zone)
        context["join_url"] = found.online.join_url if found.online else ""
        context["venue"] = found.location or ""
        context["rsvp_state"] = learner.rsvp_state or ""
    elif "title" in stored:  # an invitation's CANCEL for a session the programme no longer holds
        context["session_title"] = stored["title"]
        context["starts_at_local"] = _local_time(
            datetime.fromisoformat(stored["starts_at"]), learner.time_zone
        )
    return context


def _local_date(day: date) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


def _local_time(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{_local_date(local.date())} at {local.strftime('%H:%M')}"


_SUBJECTS: Mapping[str, str] = {
    "welcome": "Welcome to {programme_title}",
    "session_invite": "Invitation: {session_title} on {starts_at_local}",
    "session_reminder": "Reminder: {session_title} on {starts_at_local}",
    "missed_session": "Sorry we missed you at {session_title}",
    "module_due": "{module_title} is due on {due_date_local}",
    "module_overdue": "{module_title} was due on {due_date_local}",
    "inactivity": "Pick up where you left off on {programme_title}",
    "review_day_invite": "Your review day: {session_title}",
    "congratulations": "Well done on {programme_title}",
    "cohort_update": "{cohort_title}: this week",
    "team_digest": "{cohort_title}: learners who are behind",
    "catch_up_digest": "Catching up on {programme_title}",
}


def plain_render(
    rule: str,
    channel: str,
    context: Mapping[str, Any],
    *,
    language: str = "en",
    override_dir: Path | None = None,
) -> PlainContent:
    subject = _SUBJECTS[rule].format_map(_Blank(context))
    lines = [f"Hello {context.get('first_name', '')},", "", subject + ".", ""]
    if rule == "welcome":
        lines += _welcome_lines(context)
    lines += [f"Join: {context['join_url']}" for _ in [1] if context.get("join_url")]
    lines += [f"Venue: {context['venue']}" for _ in [1] if context.get("venue")]
    lines += [str(item) for item in context.get("items", [])]
    lines.append(f"Open the programme: {context.get('deep_link', '')}")
    text = "\n".join(lines)
    return PlainContent(subject, text, activity_text=subject if channel == "teams" else None)


def _welcome_lines(context: Mapping[str, Any]) -> list[str]:
    lines = [str(context["programme_description"]), ""] if context.get("programme_description") else []
    dates = f"from {context['cohort_start_local']} to {context['cohort_end_local']}"
    lines.append(f"{context['cohort_title']} runs {dates}.")
    if context.get("first_module_title"):
        lines.append(f"Your first step: start {context['first_module_title']}.")
    return [*lines, ""]


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def default_renderer() -> Render:
    """The built-in plain-English renderer. The template sets (`notifications.templates.render`) need
    context keys this module does not build yet (e.g. `module_title` for welcome), so they are not
    picked up until the engine builds their full context."""
    return plain_render
