"""What a planned message says: the renderer and where a programme's own templates live.

The engine renders with `notifications.templates.render` (jinja2 template sets per rule, in English
and Welsh) and the context of `notifications.context.render_context`. `plain_render` is a short
plain-English renderer with no files, for tools and tests that want one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lrs.programme.model import Programme
from notifications.context import LearnerFacts as LearnerFacts
from notifications.context import render_context as render_context
from notifications.templates import TemplateProblem, check_templates, render


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
    lines += [_item_line(item) for item in context.get("items", [])]
    lines.append(f"Open the programme: {context.get('deep_link', '')}")
    text = "\n".join(lines)
    return PlainContent(subject, text, activity_text=subject if channel == "teams" else None)


def _welcome_lines(context: Mapping[str, Any]) -> list[str]:
    lines = [str(context["programme_description"]), ""] if context.get("programme_description") else []
    dates = f"from {context['cohort_start_local']} to {context['cohort_end_local']}"
    lines.append(f"{context['cohort_title']} runs {dates}.")
    if context.get("module_title"):
        lines.append(f"Your first step: start {context['module_title']}.")
    return [*lines, ""]


def _item_line(item: Any) -> str:
    return f"- {item['title']}: {item['url']}" if isinstance(item, Mapping) else str(item)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def default_renderer() -> Render:
    """The template sets (`notifications/template_sets/`, a programme's folder overriding them)."""
    return render


def override_folder(programme: Programme, root: Path) -> Path | None:
    """The folder named by the programme's `[notifications] templates` (relative to `root`, the
    programmes folder); TemplateProblem when it is named and missing."""
    named = programme.notifications.get("templates")
    if not named:
        return None
    folder = Path(str(named))
    folder = folder if folder.is_absolute() else root / folder
    if not folder.is_dir():
        raise TemplateProblem("*", "-", "-", f"notifications.templates: no folder {folder}")
    return folder


def template_problems(programme: Programme, root: Path) -> list[TemplateProblem]:
    """What is wrong with the programme's own template folder (none named: nothing): every rule,
    language and channel rendered with the documented sample context, as `lrs programme validate`
    and a programme PUT check before the programme is saved."""
    try:
        folder = override_folder(programme, root)
    except TemplateProblem as problem:
        return [problem]
    return [] if folder is None else check_templates(folder)
