"""When a message may go out: outside the learner's quiet hours, on one of their working days, not
on a bank holiday of their nation, all judged in their own time zone (zoneinfo, so DST is right)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays

from notifications.preferences import Preferences, parse_clock_time

_SUBDIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
_MAX_DAYS_AHEAD = 60


@cache
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[nation], years=year)
    return frozenset(calendar.keys())


def is_sending_day(day: date, prefs: Preferences) -> bool:
    return day.weekday() in prefs.working_days and day not in _bank_holidays(prefs.nation, day.year)


def _in_quiet_hours(moment: time, quiet_start: time, quiet_end: time) -> bool:
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= moment < quiet_end
    return moment >= quiet_start or moment < quiet_end


def next_send_time(due: datetime, prefs: Preferences) -> datetime:
    """The earliest moment at or after `due` (aware) when this learner may be sent a message, in UTC."""
    if due.tzinfo is None:
        raise ValueError("next_send_time needs an aware datetime")
    zone = prefs.zone
    quiet_start = parse_clock_time(prefs.quiet_start, "quiet_start")
    quiet_end = parse_clock_time(prefs.quiet_end, "quiet_end")
    local = due.astimezone(zone)
    for _ in range(_MAX_DAYS_AHEAD):
        if is_sending_day(local.date(), prefs) and not _in_quiet_hours(local.time(), quiet_start, quiet_end):
            return local.astimezone(UTC)
        local = _next_opening(
            local, quiet_start, quiet_end, zone_day_start=not is_sending_day(local.date(), prefs)
        )
    raise ValueError("no sending time within 60 days: check working_days")


def _next_opening(local: datetime, quiet_start: time, quiet_end: time, *, zone_day_start: bool) -> datetime:
    """The next candidate: the end of quiet hours today or tomorrow (wall clock, in local.tzinfo)."""
    opening = quiet_end if quiet_start != quiet_end else time(0, 0)
    today_opening = datetime.combine(local.date(), opening, tzinfo=local.tzinfo)
    if not zone_day_start and today_opening > local:
        return _normalise(today_opening)
    return _normalise(datetime.combine(local.date() + timedelta(days=1), opening, tzinfo=local.tzinfo))


def _normalise(wall: datetime) -> datetime:
    """A wall-clock time that falls in a spring-forward gap moves to the real instant after it."""
    return wall.astimezone(UTC).astimezone(wall.tzinfo)
