"""Dates and times as a learner reads them: on their own wall clock, in English or Welsh words.

`spoken_date(date(2027, 1, 12), "cy")` is "Dydd Mawrth 12 Ionawr 2027"; `spoken_time` adds the
learner's local time ("at 10:00", "am 10:00"). Nothing here depends on the process locale.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "cy": ("Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul"),
}
_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "cy": (
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    ),
}  # fmt: skip
_AT = {"en": "at", "cy": "am"}


def _words(language: str) -> str:
    return language if language in _DAYS else "en"


def spoken_date(day: date, language: str = "en") -> str:
    """ "Tuesday 12 January 2027" (English) or "Dydd Mawrth 12 Ionawr 2027" (Welsh)."""
    words = _words(language)
    return f"{_DAYS[words][day.weekday()]} {day.day} {_MONTHS[words][day.month - 1]} {day.year}"


def spoken_time(moment: datetime, zone: str, language: str = "en") -> str:
    """The moment on the wall clock of `zone`: "Tuesday 12 January 2027 at 10:00"."""
    local = moment.astimezone(ZoneInfo(zone))
    words = _words(language)
    return f"{spoken_date(local.date(), words)} {_AT[words]} {local.strftime('%H:%M')}"
