"""The preferences page's form as plain data: the choices it offers, the values it shows for stored
preferences, and the submitted fields turned into `Preferences` or a list of problems, each naming
the field (its HTML id) so the page can link to it from an error summary.

Pure: no web framework, no database. `notifications.preferences.validate` has the last word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from zoneinfo import available_timezones

from notifications.preferences import LANGUAGES, NATIONS, OPTIONAL_CATEGORIES, Preferences

# Channel orders a learner can pick (radio values are the comma-joined channel names).
CHANNEL_CHOICES = ("teams,email", "email,teams", "email", "teams")
# The categories the form offers to switch off. "update" is a post to the cohort's Teams channel, not
# a message to the learner, so it is not offered (an existing opt-out of it is kept as it is).
OFFERED_OPT_OUTS = tuple(c for c in ("nudge", "congratulation") if c in OPTIONAL_CATEGORIES)
DAY_FIELDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELD_MAX = 100
# The form's fields in the order the page shows them (the error summary lists problems in this order).
FIELD_ORDER = (
    "channel_order",
    "opt_out",
    "language",
    "time_zone",
    "quiet_start",
    "quiet_end",
    "working_days",
    "nation",
)
_CLOCK = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


@dataclass(frozen=True)
class FieldProblem:
    """`field` is the HTML id the error summary links to; `code` picks the message the page shows."""

    field: str
    code: str


@dataclass(frozen=True)
class FormValues:
    """What the form's controls show: from stored preferences, or as the learner just submitted them."""

    channel_order: str
    opted_out: frozenset[str]
    language: str
    time_zone: str
    quiet_start: str
    quiet_end: str
    working_days: frozenset[str]
    nation: str


def form_values(prefs: Preferences) -> FormValues:
    return FormValues(
        channel_order=",".join(prefs.channel_order),
        opted_out=frozenset(prefs.opted_out),
        language=prefs.language,
        time_zone=prefs.time_zone,
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
        working_days=frozenset(DAY_FIELDS[d] for d in prefs.working_days),
        nation=prefs.nation,
    )


def submitted_values(form: Mapping[str, list[str]]) -> FormValues:
    """The submitted form as the controls should show it again (every value trimmed and bounded)."""

    def one(name: str) -> str:
        values = form.get(name) or [""]
        return values[0].strip()[:FIELD_MAX]

    return FormValues(
        channel_order=one("channel_order"),
        opted_out=frozenset(v for v in form.get("opt_out", []) if v in OFFERED_OPT_OUTS),
        language=one("language"),
        time_zone=one("time_zone"),
        quiet_start=one("quiet_start"),
        quiet_end=one("quiet_end"),
        working_days=frozenset(v for v in form.get("working_days", []) if v in DAY_FIELDS),
        nation=one("nation"),
    )


def parse_preferences(
    form: Mapping[str, list[str]], stored: Preferences
) -> tuple[Preferences | None, list[FieldProblem]]:
    """The preferences the form asks for, or None and every problem found (in the page's order)."""
    values = submitted_values(form)
    problems = [*_length_problems(form), *_choice_problems(form, values)]
    quiet_start = _clock_time(values.quiet_start)
    quiet_end = _clock_time(values.quiet_end)
    if quiet_start is None:
        problems.append(FieldProblem("quiet_start", "quiet_start"))
    if quiet_end is None:
        problems.append(FieldProblem("quiet_end", "quiet_end"))
    if not values.working_days:
        problems.append(FieldProblem("working_days", "working_days"))
    if problems or quiet_start is None or quiet_end is None:
        return None, _first_per_field(sorted(problems, key=lambda p: FIELD_ORDER.index(p.field)))
    kept = frozenset(c for c in stored.opted_out if c not in OFFERED_OPT_OUTS)
    chosen = replace(
        stored,
        channel_order=tuple(values.channel_order.split(",")),
        opted_out=kept | values.opted_out,
        language=values.language,
        time_zone=values.time_zone,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        working_days=frozenset(DAY_FIELDS.index(day) for day in values.working_days),
        nation=values.nation,
    )
    return chosen, []


def _length_problems(form: Mapping[str, list[str]]) -> list[FieldProblem]:
    return [
        FieldProblem(name, "too_long")
        for name in ("time_zone", "quiet_start", "quiet_end")
        if any(len(value) > FIELD_MAX for value in form.get(name, []))
    ]


def _choice_problems(form: Mapping[str, list[str]], values: FormValues) -> list[FieldProblem]:
    problems = []
    if values.channel_order not in CHANNEL_CHOICES:
        problems.append(FieldProblem("channel_order", "channel_order"))
    if any(v not in OFFERED_OPT_OUTS for v in form.get("opt_out", [])):
        problems.append(FieldProblem("opt_out", "opt_out"))
    if values.language not in LANGUAGES:
        problems.append(FieldProblem("language", "language"))
    if not values.time_zone:
        problems.append(FieldProblem("time_zone", "time_zone_missing"))
    elif not _known_zone(values.time_zone):
        problems.append(FieldProblem("time_zone", "time_zone"))
    if any(v not in DAY_FIELDS for v in form.get("working_days", [])):
        problems.append(FieldProblem("working_days", "working_days"))
    if values.nation not in NATIONS:
        problems.append(FieldProblem("nation", "nation"))
    return problems


@cache
def known_time_zones() -> tuple[str, ...]:
    """The IANA time zone names this machine knows, sorted (the form's suggestions)."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def _known_zone(name: str) -> bool:
    return name in known_time_zones()


def _clock_time(text: str) -> str | None:
    """'8:00', '08.00' or '08:00' as '08:00'; None when it is not a time of day."""
    found = _CLOCK.match(text)
    if found is None:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def _first_per_field(problems: list[FieldProblem]) -> list[FieldProblem]:
    seen: set[str] = set()
    kept = []
    for problem in problems:
        if problem.field not in seen:
            seen.add(problem.field)
            kept.append(problem)
    return kept
