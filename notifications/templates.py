"""Message content: one template set per rule and language, rendered for a channel.

Files live in `notifications/template_sets/<language>/<rule>/`: `subject.txt`, `body.txt` (plain
text, paragraphs separated by a blank line) and `activity.txt` (the short Teams activity line);
`<language>/_layout/` holds `email.html` and `footer.txt`. A programme's override folder has the
same layout and wins file by file. Welsh ("cy") falls back to English file by file.

Context keys (notifications/context.py builds them from the learner's real data; StrictUndefined
names a key a template uses and the context lacks). Every message to a learner has: first_name,
programme_title, programme_description, cohort_title, cohort_start_local, cohort_end_local,
preferences_url, unsubscribe_url, deep_link, module_title (the first module, for welcome),
first_module_link, first_session_title, first_session_local, cancelled, items. By rule, also:
- session_invite, session_reminder, review_day_invite, missed_session: session_title,
  starts_at_local, ends_at_local, venue, join_url (each "" when the session has none), rsvp_state
  ("accepted" | "declined" | "tentative" | "none"), catch_up_url; a session_invite with
  cancelled true is the CANCEL of an invitation that went out
- module_due, module_overdue: module_title, due_date_local, deep_link (the module)
- congratulations: achievement ("module" | "programme"), achievement_title
- catch_up_digest: items [{title, about, url}] (one per folded nudge)
- cohort_update (no names): cohort_title, learner_count, on_track_count,
  modules_completed_this_week, deep_link
- team_digest (to the programme team): programme_title, items [{council, learner_name, reason}],
  deep_link
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from notifications.template_samples import SAMPLE_CONTEXTS

TEMPLATE_ROOT = Path(__file__).resolve().parent / "template_sets"
RULES = tuple(SAMPLE_CONTEXTS)
CHANNELS = ("email", "teams", "teams_channel", "local")
LANGUAGES = ("en", "cy")
# Rules sent to someone other than a learner carry no preferences/unsubscribe footer.
_NOT_TO_A_LEARNER = frozenset({"cohort_update", "team_digest"})
_ACTION_KEY = {
    "session_invite": "join_url",
    "session_reminder": "join_url",
    "review_day_invite": "join_url",
    "missed_session": "catch_up_url",
}
_ACTION_LABEL = {
    "en": {"join_url": "Join online", "catch_up_url": "Catch up", "deep_link": "Open"},
    "cy": {"join_url": "Ymuno ar-lein", "catch_up_url": "Dal i fyny", "deep_link": "Agor"},
}
_URL = re.compile(r"https?://[^\s<>\"]+")


class TemplateProblem(ValueError):
    """A template that is missing, does not parse or needs a context key it was not given."""

    def __init__(self, rule: str, language: str, file: str, detail: str) -> None:
        super().__init__(f"template {language}/{rule}/{file}: {detail}")
        self.rule, self.language, self.file, self.detail = rule, language, file, detail


@dataclass(frozen=True)
class RenderedContent:
    subject: str
    text: str
    html: str | None = None
    card: dict[str, Any] | None = None  # Adaptive Card 1.5
    activity_text: str | None = None


def _environment(override_dir: Path | None) -> jinja2.Environment:
    roots = [override_dir] if override_dir is not None else []
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*roots, TEMPLATE_ROOT]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


_DEFAULT_ENV = _environment(None)


def _render_file(
    env: jinja2.Environment, rule: str, language: str, file: str, context: Mapping[str, Any]
) -> str:
    folder = "_layout" if file in ("email.html", "footer.txt") else rule
    for lang in dict.fromkeys((language, "en")):
        try:
            template = env.get_template(f"{lang}/{folder}/{file}")
        except jinja2.TemplateNotFound:
            continue
        except jinja2.TemplateSyntaxError as error:
            raise TemplateProblem(rule, lang, file, f"line {error.lineno}: {error.message}") from None
        try:
            return template.render(**context, language=language).strip()
        except jinja2.UndefinedError as error:
            raise TemplateProblem(rule, lang, file, str(error)) from None
        except Exception as error:  # a template's own failure (bad filter use), never the caller's
            raise TemplateProblem(rule, lang, file, f"{type(error).__name__}: {error}") from None
    raise TemplateProblem(rule, language, file, "no such template")


def _linkified(paragraph: str) -> Markup:
    escaped = str(escape(paragraph))
    return Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


def _card(subject: str, paragraphs: list[str], action_url: str | None, label: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    body += [{"type": "TextBlock", "text": p, "wrap": True} for p in paragraphs]
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if action_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": label, "url": action_url}]
    return card


def render(
    rule: str,
    channel: str,
    context: Mapping[str, Any],
    *,
    language: str = "en",
    override_dir: Path | None = None,
) -> RenderedContent:
    """Render one rule's message for a channel; TemplateProblem names the rule, language and file."""
    if rule not in RULES:
        raise TemplateProblem(rule, language, "-", "unknown rule")
    if channel not in CHANNELS:
        raise TemplateProblem(rule, language, "-", f"unknown channel {channel!r}")
    language = language if language in LANGUAGES else "en"
    env = _DEFAULT_ENV if override_dir is None else _environment(override_dir)
    subject = _render_file(env, rule, language, "subject.txt", context)
    body = _render_file(env, rule, language, "body.txt", context)
    footer = "" if rule in _NOT_TO_A_LEARNER else _render_file(env, rule, language, "footer.txt", context)
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    body = "\n\n".join(paragraphs)  # a section left out by a condition leaves no blank run
    text = body + (f"\n\n{footer}" if footer else "")
    if channel in ("email", "local"):
        footer_lines = [_linkified(line) for line in footer.splitlines() if line.strip()]
        layout = {
            "subject": subject,
            "paragraphs": [_linkified(p) for p in paragraphs],
            "footer_lines": footer_lines,
        }
        html = _render_file(env, rule, language, "email.html", layout)
        return RenderedContent(subject=subject, text=text, html=html)
    action_key = _ACTION_KEY.get(rule, "deep_link")
    action_url = context.get(action_key)
    card = _card(
        subject, paragraphs, str(action_url) if action_url else None, _ACTION_LABEL[language][action_key]
    )
    if channel == "teams_channel":
        return RenderedContent(subject=subject, text=body, card=card)
    activity = _render_file(env, rule, language, "activity.txt", context)
    return RenderedContent(subject=subject, text=text, card=card, activity_text=activity)


def check_templates(override_dir: Path | None = None) -> list[TemplateProblem]:
    """Render every rule x language x channel with sample data; the problems found (empty when all good)."""
    problems: list[TemplateProblem] = []
    for rule, sample in SAMPLE_CONTEXTS.items():
        for language in LANGUAGES:
            for channel in CHANNELS:
                try:
                    render(rule, channel, sample, language=language, override_dir=override_dir)
                except TemplateProblem as problem:
                    problems.append(problem)
    return problems
