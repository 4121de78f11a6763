"""The learner's preferences applied to one due message, just before it is sent: an opt-out cancels
it, quiet hours (or a day off, or a bank holiday) put it back to the next sending window, and the
channel order says where it goes. Read on every decision, so a change takes effect on the next one.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from lrs.storage.planned_message_models import PlannedMessage
from notifications.preferences import Preferences
from notifications.spoken_dates import spoken_time
from notifications.windows import next_send_time

# A learner's "email" preference covers every mail channel the site has.
PREFERENCE_CHANNELS = {"teams": ("teams",), "email": ("email", "graph_mail", "notify")}
SESSION_RULES = frozenset({"session_reminder", "session_invite", "review_day_invite"})


@dataclass(frozen=True)
class Deferral:
    until: datetime
    reason: str


@dataclass(frozen=True)
class Cancel:
    reason: str


def hold(
    row: PlannedMessage,
    reason_gone: str | None,
    preferences: Preferences,
    now: datetime,
    *,
    windows: bool = True,
) -> Cancel | Deferral | None:
    """Why a message may not go now, before any cap: its reason has gone or the learner opted out
    (Cancel), or it is outside the learner's sending window (a Deferral, or a Cancel when that window
    opens after its session starts). None to send. A first send and a retry are held alike."""
    if reason_gone is not None:
        return Cancel(reason_gone)
    opted = opted_out(row, preferences)
    if opted is not None:
        return Cancel(opted)
    window = window_decision(row, preferences, now, windows=windows)
    return Cancel(window) if isinstance(window, str) else window


def opted_out(row: PlannedMessage, preferences: Preferences) -> str | None:
    """The cancellation reason when the learner switched this message's category off."""
    if row.learner_id is None or preferences.allows(row.category):
        return None
    return f"the learner opted out of {row.category} messages"


def window_decision(
    row: PlannedMessage, preferences: Preferences, now: datetime, *, windows: bool = True
) -> Deferral | str | None:
    """None to send now; a Deferral to the learner's next sending window; or, when that window opens
    only after the session a message is about has started, the reason to cancel it."""
    if not windows or row.learner_id is None:  # a channel post or a team digest: no learner's clock
        return None
    opens = next_send_time(now, preferences)
    if opens <= now:
        return None
    starts = _session_start(row)
    if row.rule in SESSION_RULES and starts is not None and opens >= starts and not _is_cancel(row):
        return "the learner's next sending window opens after the session starts"
    local = spoken_time(opens, preferences.time_zone)
    return Deferral(opens, f"waiting for the learner's sending window ({local}, {preferences.time_zone})")


def channel_order(preferences: Preferences, configured: Collection[str]) -> Sequence[str]:
    """The learner's channels in their order, as the site's connectors name them."""
    chosen: list[str] = []
    for wanted in preferences.channel_order:
        chosen += [name for name in PREFERENCE_CHANNELS.get(wanted, (wanted,)) if name in configured]
    return chosen


def _session_start(row: PlannedMessage) -> datetime | None:
    starts = json.loads(row.context).get("starts_at")
    return datetime.fromisoformat(starts) if isinstance(starts, str) else None


def _is_cancel(row: PlannedMessage) -> bool:
    return bool(json.loads(row.context).get("cancelled"))
