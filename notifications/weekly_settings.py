"""The settings of the weekly rules (`cohort_update`, `team_digest`): which day, what time, in which
time zone, how far ahead the update looks, and who gets the digest.

`parse_weekly_setting` checks one value and returns it parsed; a ValueError's message says what is
wrong, and `notifications.rules` adds the key path (`notifications.team_digest.weekday`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKLY_KEYS: Mapping[str, tuple[str, ...]] = {
    "cohort_update": ("weekday", "time", "time_zone", "ahead", "teams_channel"),
    "team_digest": ("weekday", "time", "time_zone", "to"),
}
MAX_RECIPIENTS = 50
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_DAYS = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?$")
_CHANNEL_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class WeeklySettingError(ValueError):
    """A bad weekly setting; `index` is the list item at fault, when it is one."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def parse_weekly_setting(key: str, value: Any) -> Any:
    """The parsed value of one weekly setting: weekday (0 = Monday), time, time zone name, recipient
    addresses, or the look-ahead of the cohort update."""
    if key == "weekday":
        return _weekday(value)
    if key == "time":
        return _time(value)
    if key == "time_zone":
        return _time_zone(value)
    if key == "to":
        return _recipients(value)
    if key == "ahead":
        return _ahead(value)
    if key == "teams_channel":
        return _channel_name(value)
    raise ValueError(f"unknown setting {key!r}")


def _weekday(value: Any) -> int:
    if not isinstance(value, str) or value.strip().lower() not in WEEKDAYS:
        raise ValueError(f'expected a day of the week like "monday", got {value!r}')
    return WEEKDAYS.index(value.strip().lower())


def _time(value: Any) -> time:
    found = _TIME.match(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f'expected a 24-hour time like "09:30", got {value!r}')
    return time(int(found.group(1)), int(found.group(2)))


def _time_zone(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 64:
        raise ValueError(f'expected an IANA time zone like "Europe/London", got {value!r}')
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{value!r} is not a known IANA time zone (e.g. "Europe/London")') from None
    return value


def _recipients(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} addresses, got {len(items)}")
    found: dict[str, str] = {}
    for index, item in enumerate(items):
        if not isinstance(item, str) or len(item) > 320 or not _EMAIL.match(item.strip()):
            raise WeeklySettingError(f'{item!r} is not an email address like "team@council.gov.uk"', index)
        found.setdefault(item.strip().lower(), item.strip())
    return tuple(found.values())


def _ahead(value: Any) -> timedelta:
    found = _DAYS.match(value) if isinstance(value, str) else None
    if found is None or value == "P":
        raise ValueError(f'expected a duration in weeks or days like "P4W", got {value!r}')
    weeks, days = (int(part or 0) for part in found.groups())
    if not 1 <= weeks * 7 + days <= 366:
        raise ValueError(f"expected between 1 and 366 days, got {value!r}")
    return timedelta(weeks=weeks, days=days)


def _channel_name(value: Any) -> str:
    """A name in the site's [connectors.teams_channel.channels] (never the webhook URL: a secret)."""
    if isinstance(value, str) and "://" in value:  # a webhook URL is a secret: never echoed
        raise ValueError(
            "expected a channel name, got a URL: put the webhook URL in "
            "[connectors.teams_channel.channels.NAME] of the settings and give NAME here"
        )
    if not isinstance(value, str) or len(value) > 64 or not _CHANNEL_NAME.match(value):
        raise ValueError(
            "expected the name of a channel in [connectors.teams_channel.channels] "
            f'like "lal-2026-spring" (lower-case letters, digits and hyphens), got {value!r}'
        )
    return value
