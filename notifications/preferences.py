"""Per-learner notification preferences: which channels in which order, which categories are
switched off, language, time zone, quiet hours, working days and the nation whose bank holidays
count. A learner without a row gets `Preferences()` (the defaults)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.preference_models import NotificationPreference

CHANNELS = ("teams", "email")
CATEGORIES = ("invitation", "reminder", "nudge", "congratulation", "update", "digest")
# Only these may be switched off by a learner; invitations and reminders always go.
OPTIONAL_CATEGORIES = ("nudge", "congratulation", "update")
LANGUAGES = ("en", "cy")
NATIONS = ("england-and-wales", "scotland", "northern-ireland")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PreferenceProblem(ValueError):
    """A preference value that cannot be stored; the message names the field."""


@dataclass(frozen=True)
class Preferences:
    channel_order: tuple[str, ...] = ("teams", "email")
    opted_out: frozenset[str] = frozenset()
    language: str = "en"
    time_zone: str = "Europe/London"
    quiet_start: str = "18:00"
    quiet_end: str = "08:00"
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    nation: str = "england-and-wales"

    def allows(self, category: str) -> bool:
        return category not in self.opted_out or category not in OPTIONAL_CATEGORIES

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def parse_clock_time(value: str, field: str) -> time:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise PreferenceProblem(f"{field}: expected HH:MM, got {value!r}") from None


def validate(prefs: Preferences) -> None:
    """Raise PreferenceProblem naming the first field that is not acceptable."""
    if not prefs.channel_order or any(c not in CHANNELS for c in prefs.channel_order):
        raise PreferenceProblem(f"channel_order: each must be one of {', '.join(CHANNELS)}")
    if len(set(prefs.channel_order)) != len(prefs.channel_order):
        raise PreferenceProblem("channel_order: a channel is listed twice")
    if any(c not in OPTIONAL_CATEGORIES for c in prefs.opted_out):
        raise PreferenceProblem(f"opted_out: only {', '.join(OPTIONAL_CATEGORIES)} can be switched off")
    if prefs.language not in LANGUAGES:
        raise PreferenceProblem(f"language: must be one of {', '.join(LANGUAGES)}")
    try:
        ZoneInfo(prefs.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PreferenceProblem(f"time_zone: unknown time zone {prefs.time_zone!r}") from None
    parse_clock_time(prefs.quiet_start, "quiet_start")
    parse_clock_time(prefs.quiet_end, "quiet_end")
    if not prefs.working_days or any(d not in range(7) for d in prefs.working_days):
        raise PreferenceProblem("working_days: at least one day, Monday=0 to Sunday=6")
    if prefs.nation not in NATIONS:
        raise PreferenceProblem(f"nation: must be one of {', '.join(NATIONS)}")


def preferences_from_row(row: NotificationPreference) -> Preferences:
    return Preferences(
        channel_order=tuple(c for c in row.channel_order.split(",") if c),
        opted_out=frozenset(c for c in row.opted_out_categories.split(",") if c),
        language=row.language,
        time_zone=row.time_zone,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        working_days=frozenset(int(d) for d in row.working_days.split(",") if d),
        nation=row.nation,
    )


async def preferences_for(session: AsyncSession, learner_ids: Collection[int]) -> dict[int, Preferences]:
    """Preferences of every given learner (defaults for those without a row), in one query."""
    found: dict[int, Preferences] = {}
    if learner_ids:
        query = select(NotificationPreference).where(NotificationPreference.learner_id.in_(list(learner_ids)))
        for row in (await session.scalars(query)).all():
            found[row.learner_id] = preferences_from_row(row)
    return {learner_id: found.get(learner_id, Preferences()) for learner_id in learner_ids}


async def save_preferences(
    session: AsyncSession, learner_id: int, prefs: Preferences, *, now: datetime
) -> None:
    """Validate and store (insert or replace) one learner's preferences through the given session."""
    validate(prefs)
    row = await session.get(NotificationPreference, learner_id)
    if row is None:
        row = NotificationPreference(learner_id=learner_id)
        session.add(row)
    row.channel_order = ",".join(prefs.channel_order)
    row.opted_out_categories = ",".join(sorted(prefs.opted_out))
    row.language = prefs.language
    row.time_zone = prefs.time_zone
    row.quiet_start = prefs.quiet_start
    row.quiet_end = prefs.quiet_end
    row.working_days = ",".join(str(d) for d in sorted(prefs.working_days))
    row.nation = prefs.nation
    row.updated_at = now
    await session.flush()
