"""The render context of one planned message: every key the template sets use, from the learner's
real data, in the learner's language and on their wall clock.

Keys (documented for template authors in docs/notification-content.md):
- always: rule, first_name, programme_title, programme_description, cohort_title,
  cohort_start_local, cohort_end_local, preferences_url, unsubscribe_url, deep_link, module_title,
  first_session_title, first_session_local, cancelled, items;
- a module's message: module_title, due_date_local, deep_link (the module itself);
- a session's message: session_title, starts_at_local, ends_at_local, venue, join_url,
  rsvp_state (accepted, declined, tentative or none), catch_up_url, deep_link;
- congratulations: achievement (module or programme), achievement_title.

`deep_link` is the most useful place to go for the rule: the module (its `url`, else its activity
IRI when that is a web address), the joining link or catch-up material of a session, else the
programme's `url`, else the learner's next unfinished module.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lrs.programme.model import Cohort, Module, Programme, Session
from lrs.storage.planned_message_models import PlannedMessage
from notifications.preferences import Preferences
from notifications.spoken_dates import spoken_date, spoken_time

RSVP_WORDS = {"accepted": "accepted", "declined": "declined", "tentative": "tentative"}


@dataclass(frozen=True)
class LearnerFacts:
    """What a message may say about its learner (read by `notifications.facts.learner_facts`)."""

    learner_id: int
    name: str
    email: str
    preferences: Preferences = field(default_factory=Preferences)
    rsvp_state: str | None = None
    preferences_url: str = ""
    unsubscribe_url: str = ""
    open_modules: tuple[str, ...] = ()  # ids of the modules not satisfied yet, in programme order

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else "there"

    @property
    def language(self) -> str:
        return self.preferences.language

    @property
    def time_zone(self) -> str:
        return self.preferences.time_zone


def module_link(module: Module) -> str | None:
    if module.url:
        return module.url
    return module.activity_iri if module.activity_iri.startswith(("https://", "http://")) else None


def programme_link(programme: Programme, learner: LearnerFacts, base_url: str) -> str:
    """The programme's home for learners, else the next module to do, else the first one."""
    if programme.url:
        return programme.url
    by_id = {module.id: module for module in programme.modules}
    candidates = [by_id[item] for item in learner.open_modules if item in by_id] + list(programme.modules)
    links = [link for link in map(module_link, candidates) if link]
    return links[0] if links else base_url.rstrip("/") + "/"


def render_context(
    row: PlannedMessage, programme: Programme, learner: LearnerFacts, base_url: str
) -> dict[str, Any]:
    """The template variables for one message."""
    stored: dict[str, Any] = json.loads(row.context)
    cohort = programme.cohort(row.cohort_id)
    language = learner.language
    home = programme_link(programme, learner, base_url)
    context: dict[str, Any] = {
        "items": [],
        **stored,
        "rule": row.rule,
        "cancelled": bool(stored.get("cancelled", False)),
        "first_name": learner.first_name,
        "programme_title": programme.title,
        "programme_description": programme.description,
        "cohort_title": cohort.title,
        "cohort_start_local": spoken_date(cohort.start, language),
        "cohort_end_local": spoken_date(cohort.end, language),
        "preferences_url": learner.preferences_url,
        "unsubscribe_url": learner.unsubscribe_url,
        "deep_link": home,
        **_first_steps(programme, cohort, learner, home),
    }
    module = next((item for item in programme.modules if item.id == stored.get("module_id")), None)
    if module is not None:
        context.update(_module_keys(module, cohort, language, home))
    found = next((item for item in programme.sessions if item.id == stored.get("session_id")), None)
    if found is not None and not context["cancelled"]:
        context.update(_session_keys(found, learner, home, row.rule))
    elif "starts_at" in stored:  # a CANCEL: what the invitation said, the programme may have dropped it
        context.update(_stored_session_keys(stored, learner, home))
    if row.rule == "congratulations":
        programme_done = stored.get("achievement") == "programme" or module is None
        context["achievement"] = "programme" if programme_done else "module"
        context["achievement_title"] = programme.title if programme_done else context["module_title"]
    return context


def _first_steps(programme: Programme, cohort: Cohort, learner: LearnerFacts, home: str) -> dict[str, Any]:
    """The welcome's first module and first session (empty when the programme has none)."""
    first = programme.modules[0] if programme.modules else None
    sessions = sorted(programme.sessions_of(cohort.id), key=lambda item: item.start)
    return {
        "module_title": first.title if first else "",
        "first_module_link": (module_link(first) if first else None) or home,
        "first_session_title": sessions[0].title if sessions else "",
        "first_session_local": (
            spoken_time(sessions[0].start, learner.time_zone, learner.language) if sessions else ""
        ),
    }


def _module_keys(module: Module, cohort: Cohort, language: str, home: str) -> dict[str, Any]:
    due = module.due_date(cohort)
    return {
        "module_title": module.title,
        "due_date_local": spoken_date(due, language) if due else "",
        "deep_link": module_link(module) or home,
    }


def _session_keys(found: Session, learner: LearnerFacts, home: str, rule: str) -> dict[str, Any]:
    join_url = found.online.join_url if found.online else ""
    catch_up = found.catch_up_url or home
    return {
        "session_title": found.title,
        "starts_at_local": spoken_time(found.start, learner.time_zone, learner.language),
        "ends_at_local": spoken_time(found.end, learner.time_zone, learner.language),
        "venue": found.location or "",
        "join_url": join_url,
        "rsvp_state": RSVP_WORDS.get(learner.rsvp_state or "", "none"),
        "catch_up_url": catch_up,
        "deep_link": catch_up if rule == "missed_session" else (join_url or home),
    }


def _stored_session_keys(stored: dict[str, Any], learner: LearnerFacts, home: str) -> dict[str, Any]:
    starts = datetime.fromisoformat(stored["starts_at"])
    ends = datetime.fromisoformat(stored.get("ends_at", stored["starts_at"]))
    return {
        "session_title": str(stored.get("title", "")),
        "starts_at_local": spoken_time(starts, learner.time_zone, learner.language),
        "ends_at_local": spoken_time(ends, learner.time_zone, learner.language),
        "venue": str(stored.get("location", "")),
        "join_url": "",
        "rsvp_state": "none",
        "catch_up_url": home,
    }


def digest_items(rows: Sequence[PlannedMessage], programme: Programme, home: str) -> list[dict[str, str]]:
    """The catch-up digest's lines: what each folded nudge was about, and where to go for it."""
    modules = {module.id: module for module in programme.modules}
    sessions = {item.id: item for item in programme.sessions}
    items = []
    for row in rows:
        stored = json.loads(row.context)
        module, found = modules.get(stored.get("module_id", "")), sessions.get(stored.get("session_id", ""))
        about = f"{row.rule.replace('_', ' ')} {stored.get('module_id') or stored.get('session_id') or ''}"
        if module is not None:
            title, url = module.title, module_link(module) or home
        elif found is not None:
            title, url = found.title, found.catch_up_url or home
        else:
            title, url = programme.title, home
        items.append({"title": title, "about": about.strip(), "url": url})
    return items
