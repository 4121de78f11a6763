"""The rules the engine knows, their categories and their settings.

Defaults live in config/notifications.toml (commented); the `[notifications]` table of the settings
and of a programme override them rule by rule. Offsets are ISO 8601 durations ("P7D", "PT2H").
`parse_rules` names the key path of anything it cannot use (`notifications.session_reminder.before[1]`).
"""

from __future__ import annotations

import enum
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from notifications.weekly_settings import WEEKLY_KEYS, WeeklySettingError, parse_weekly_setting


class Category(enum.StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"
    NUDGE = "nudge"
    CONGRATULATION = "congratulation"
    UPDATE = "update"
    DIGEST = "digest"


RULE_CATEGORIES: Mapping[str, Category] = {
    "welcome": Category.INVITATION,
    "session_invite": Category.INVITATION,
    "session_reminder": Category.REMINDER,
    "missed_session": Category.NUDGE,
    "module_due": Category.NUDGE,
    "module_overdue": Category.NUDGE,
    "inactivity": Category.NUDGE,
    "review_day_invite": Category.INVITATION,
    "congratulations": Category.CONGRATULATION,
    "cohort_update": Category.UPDATE,
    "team_digest": Category.DIGEST,
    "catch_up_digest": Category.NUDGE,
}

# The offsets each rule takes (their defaults are in config/notifications.toml).
OFFSET_NAMES: Mapping[str, tuple[str, ...]] = {
    "session_reminder": ("before",),
    "module_due": ("before",),
    "module_overdue": ("after",),
    "missed_session": ("after",),
    "review_day_invite": ("after",),
}
DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "notifications.toml"

_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


class RulesError(ValueError):
    """A `[notifications]` table holds something the engine cannot use; `path` names the key."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def parse_duration(text: object, path: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (no years or months)."""
    found = _DURATION.match(text) if isinstance(text, str) else None
    if found is None or text in {"P", "PT"} or str(text).endswith("T"):
        raise RulesError(path, f"{text!r} is not an ISO 8601 duration like P7D, P1W or PT2H")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(value: timedelta) -> str:
    days, rest = value.days, int(value.seconds)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return "P" + (f"{days}D" if days or not time else "") + (f"T{time}" if time else "")


@dataclass(frozen=True)
class RuleSettings:
    enabled: bool = True
    offsets: Mapping[str, tuple[timedelta, ...]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)  # parsed weekly settings (weekday, time, ...)

    def offset_list(self, name: str) -> tuple[timedelta, ...]:
        return self.offsets.get(name, ())


@dataclass(frozen=True)
class NotificationRules:
    rules: Mapping[str, RuleSettings]
    nudge_cap: int = 2  # nudges per learner per rolling window
    cap_window: timedelta = timedelta(days=7)
    # How long a sender owns a claimed message: a killed sender's messages come back after this. It
    # must exceed the slowest healthy send (Graph channels retry inside a send for minutes).
    send_lease: timedelta = timedelta(minutes=15)
    # False sends each message when due, whatever the learner's quiet hours, days and bank holidays.
    sending_windows: bool = True
    inactive_after_days: int = 14  # the team digest's "inactive N days" (the progress timer's too)

    def enabled(self, rule: str) -> bool:
        return self.rules[rule].enabled

    def offsets(self, rule: str, name: str) -> tuple[timedelta, ...]:
        return self.rules[rule].offset_list(name)


@cache
def default_rules() -> NotificationRules:
    """The shipped defaults, read from config/notifications.toml."""
    with DEFAULTS_FILE.open("rb") as file:
        table = tomllib.load(file)
    bare = NotificationRules({name: RuleSettings() for name in RULE_CATEGORIES})
    return parse_rules(table, path=DEFAULTS_FILE.name, base=bare)


_ENGINE_KEYS = {
    "nudge_cap",
    "cap_window",
    "send_lease",
    "sending_windows",
    "inactive_after_days",
    "templates",
    "language",
}
TEMPLATE_LANGUAGES = ("en", "cy")


def parse_rules(
    table: Mapping[str, Any], *, path: str = "notifications", base: NotificationRules | None = None
) -> NotificationRules:
    """`base` (the defaults) overridden by `table`; RulesError names the first bad key."""
    rules = dict((base or default_rules()).rules)
    settings = base or default_rules()
    for name, value in table.items():
        where = f"{path}.{name}"
        if name in _ENGINE_KEYS:
            settings = _engine_setting(settings, name, value, where)
        elif name in RULE_CATEGORIES:
            rules[name] = _rule(name, value, rules[name], where)
        else:
            raise RulesError(where, f"unknown rule (known: {', '.join(RULE_CATEGORIES)})")
    return replace(settings, rules=rules)


class ProgrammeRules:
    """The rules of each programme: `site` (defaults plus the settings' table) overridden by the
    programme's own `[notifications]` table, parsed once per distinct table."""

    def __init__(self, site: NotificationRules) -> None:
        self.site = site
        self._parsed: dict[str, NotificationRules] = {}

    def __call__(self, programme: HasNotifications) -> NotificationRules:
        if not programme.notifications:
            return self.site
        text = json.dumps(programme.notifications, sort_keys=True)
        if text not in self._parsed:
            self._parsed[text] = parse_rules(programme.notifications, base=self.site)
        return self._parsed[text]


class HasNotifications(Protocol):
    @property
    def notifications(self) -> Mapping[str, Any]: ...


def _engine_setting(settings: NotificationRules, name: str, value: Any, where: str) -> NotificationRules:
    if name == "nudge_cap":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise RulesError(where, f"expected a whole number of nudges, 0 or more, got {value!r}")
        return replace(settings, nudge_cap=value)
    if name == "cap_window":
        return replace(settings, cap_window=parse_duration(value, where))
    if name == "send_lease":
        return replace(settings, send_lease=parse_duration(value, where))
    if name == "inactive_after_days":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RulesError(where, f"expected a whole number of days, 1 or more, got {value!r}")
        return replace(settings, inactive_after_days=value)
    if name == "sending_windows":
        if not isinstance(value, bool):
            raise RulesError(where, f"expected true or false, got {value!r}")
        return replace(settings, sending_windows=value)
    if name == "templates" and (not isinstance(value, str) or not value.strip()):
        raise RulesError(where, f"expected the name of a template folder, got {value!r}")
    if name == "language" and value not in TEMPLATE_LANGUAGES:
        raise RulesError(where, f"expected one of {', '.join(TEMPLATE_LANGUAGES)}, got {value!r}")
    return settings  # read by other parts (progress, the sender's templates and language)


def _rule(name: str, value: Any, current: RuleSettings, where: str) -> RuleSettings:
    if isinstance(value, bool):
        return replace(current, enabled=value)
    if not isinstance(value, Mapping):
        raise RulesError(where, f"expected true, false or a table, got {type(value).__name__}")
    enabled, offsets, options = current.enabled, dict(current.offsets), dict(current.options)
    for key, item in value.items():
        if key == "enabled":
            if not isinstance(item, bool):
                raise RulesError(f"{where}.enabled", f"expected true or false, got {item!r}")
            enabled = item
        elif key in OFFSET_NAMES.get(name, ()):
            offsets[key] = _offsets(item, f"{where}.{key}")
        elif key in WEEKLY_KEYS.get(name, ()):
            options[key] = _weekly(key, item, f"{where}.{key}")
        else:
            known = ", ".join(["enabled", *OFFSET_NAMES.get(name, ()), *WEEKLY_KEYS.get(name, ())])
            raise RulesError(f"{where}.{key}", f"unknown setting (known: {known})")
    return RuleSettings(enabled, offsets, options)


def _weekly(key: str, value: Any, where: str) -> Any:
    try:
        return parse_weekly_setting(key, value)
    except ValueError as err:
        index = err.index if isinstance(err, WeeklySettingError) else None
        raise RulesError(where if index is None else f"{where}[{index}]", str(err)) from None


def _offsets(value: Any, where: str) -> tuple[timedelta, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(parse_duration(item, f"{where}[{index}]") for index, item in enumerate(items))
