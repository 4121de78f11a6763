"""Sending a weekly message: its recipient, its content as of now, whether it should still go, the
channels it may take, and its rendering.

- `cohort_update` goes to the cohort's Teams channel (the `teams_channel` connector), or to the
  embedded `local` channel when that is what is configured; it is an Adaptive Card 1.5.
- `team_digest` goes by email (`email`, else `graph_mail`, else `local`) to one programme team
  address; HTML (a table per council) and plain text.
A week's message is cancelled, with the reason, when the rule was switched off, the cohort is gone or
has nobody enrolled, the address left the programme team, or (the digest) nobody is behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import Recipient, RenderedMessage
from lrs.programme.model import Cohort, Programme
from lrs.storage.planned_message_models import PlannedMessage
from notifications.outgoing import outgoing_message
from notifications.rules import NotificationRules
from notifications.templates import TEMPLATE_ROOT, RenderedContent, TemplateProblem, render
from notifications.weekly import WEEKLY_RULES, WeeklySchedule, weekly_schedule
from notifications.weekly_facts import cohort_update_facts, roster_of, team_digest_facts

CHANNEL_ORDER: Mapping[str, tuple[str, ...]] = {
    "cohort_update": ("teams_channel", "local"),
    "team_digest": ("email", "graph_mail", "local"),
}


@dataclass(frozen=True)
class WeeklyMessage:
    recipient: Recipient
    context: dict[str, Any]
    reason_gone: str | None
    language: str = "en"
    routing: Mapping[str, str] = field(default_factory=dict)  # where a channel post goes


def is_weekly(rule: str) -> bool:
    return rule in WEEKLY_RULES


def weekly_channels(rule: str, configured: Collection[str]) -> list[str]:
    """The first configured channel the rule may take (a post is never sent twice over two)."""
    return [channel for channel in CHANNEL_ORDER[rule] if channel in configured][:1]


async def weekly_message(
    session: AsyncSession,
    row: PlannedMessage,
    programme: Programme,
    rules: NotificationRules,
    now: datetime,
    base_url: str,
) -> WeeklyMessage:
    stored: dict[str, Any] = json.loads(row.context)
    language = "cy" if programme.notifications.get("language") == "cy" else "en"
    to = str(stored.get("to", ""))
    cohort = next((item for item in programme.cohorts if item.id == row.cohort_id), None)
    recipient = (
        Recipient(to, "Programme team") if row.rule == "team_digest" else Recipient("", "Cohort channel")
    )
    base = {
        **stored,
        "rule": row.rule,
        "programme_title": programme.title,
        "cohort_title": cohort.title if cohort else row.cohort_id,
    }
    schedule = weekly_schedule(rules, row.rule)
    roster = await roster_of(session, row.cohort_id, now, rules.inactive_after_days)
    if cohort is None or roster is None:
        return WeeklyMessage(recipient, base, f"cohort {row.cohort_id} was removed", language)
    root = base_url.rstrip("/")
    if row.rule == "cohort_update":
        facts = await cohort_update_facts(session, programme, cohort, roster, now, schedule.ahead, language)
        context = {**base, **facts, "deep_link": f"{root}/programmes/{programme.id}"}
    else:
        digest = team_digest_facts(roster, language)
        context = {**base, **digest, "deep_link": f"{root}/dashboard/cohorts/{cohort.id}"}
    reasons = [
        (not rules.enabled(row.rule), f"{row.rule} is switched off"),
        (
            row.rule == "team_digest" and to.lower() not in {item.lower() for item in schedule.to},
            "the address is no longer on the programme team",
        ),
        (not roster.lines, "the cohort has no enrolled learners"),
        (row.rule == "team_digest" and not context.get("behind_count"), "no learner is behind"),
    ]
    gone = next((reason for applies, reason in reasons if applies), None)
    routing = channel_routing(programme, cohort, schedule) if row.rule == "cohort_update" else {}
    return WeeklyMessage(recipient, context, gone, language, routing)


def channel_routing(programme: Programme, cohort: Cohort, schedule: WeeklySchedule) -> dict[str, str]:
    """The Teams channel a cohort's update goes to, by name, with the key path that named it: the
    cohort's own `teams_channel`, else the programme's `[notifications.cohort_update] teams_channel`
    (or the site's, in the settings' same table); none means the connector's site `webhook_url`."""
    if cohort.teams_channel:
        index = programme.cohorts.index(cohort)
        return {
            "teams_channel": cohort.teams_channel,
            "teams_channel_source": f"cohorts[{index}].teams_channel",
        }
    if schedule.teams_channel:
        source = "notifications.cohort_update.teams_channel"
        return {"teams_channel": schedule.teams_channel, "teams_channel_source": source}
    return {}


def weekly_messages(
    row: PlannedMessage, weekly: WeeklyMessage, override_dir: Path | None = None
) -> Callable[[str], RenderedMessage]:
    """The message for each channel the week's message may take, under that channel's delivery key."""

    def message_for(channel: str) -> RenderedMessage:
        content = render_weekly(
            row.rule, channel, weekly.context, language=weekly.language, override_dir=override_dir
        )
        return outgoing_message(
            row,
            channel,
            weekly.recipient,
            content,
            language=weekly.language,
            deep_link=str(weekly.context.get("deep_link") or ""),
            routing=weekly.routing,
        )

    return message_for


def render_weekly(
    rule: str,
    channel: str,
    context: Mapping[str, Any],
    *,
    language: str = "en",
    override_dir: Path | None = None,
) -> RenderedContent:
    """The template sets' rendering, with the digest's HTML from its own `email.html` (a table per
    council rather than paragraphs), and the update's card kept when it goes to the local channel."""
    content = render(rule, channel, context, language=language, override_dir=override_dir)
    if rule == "cohort_update" and channel == "local":  # the outbox keeps the card the channel would get
        post = render(rule, "teams_channel", context, language=language, override_dir=override_dir)
        return RenderedContent(subject=content.subject, text=content.text, html=content.html, card=post.card)
    if rule != "team_digest" or content.html is None:
        return content
    html = _digest_html(context, content.subject, language, override_dir)
    return RenderedContent(subject=content.subject, text=content.text, html=html)


def _digest_html(context: Mapping[str, Any], subject: str, language: str, override_dir: Path | None) -> str:
    roots = [override_dir] if override_dir is not None else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*roots, TEMPLATE_ROOT]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    for lang in dict.fromkeys((language, "en")):
        try:
            template = env.get_template(f"{lang}/team_digest/email.html")
        except jinja2.TemplateNotFound:
            continue
        except jinja2.TemplateSyntaxError as error:
            raise TemplateProblem(
                "team_digest", lang, "email.html", f"line {error.lineno}: {error.message}"
            ) from None
        try:
            return template.render(**context, subject=subject, language=language).strip()
        except Exception as error:  # a template's own failure, named
            raise TemplateProblem(
                "team_digest", lang, "email.html", f"{type(error).__name__}: {error}"
            ) from None
    raise TemplateProblem("team_digest", language, "email.html", "no such template")
