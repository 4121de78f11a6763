"""What a learner changes through their signed links: the preferences page and one-click unsubscribe.

Each change is saved through `notifications.preferences.save_preferences` and audit-logged in the same
transaction. The audit entry names the learner by number and the fields that changed, never an
address or a name, so the log holds no personal data.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.audit import record_audit
from lrs.storage.programme_models import LearnerRow
from notifications.preferences import Preferences, preferences_for, save_preferences

LINK_ACTOR = "learner-link"  # the audit actor: whoever holds the learner's signed link
UNSUBSCRIBE_CATEGORY = "nudge"


async def learner_can_choose(session: AsyncSession, learner_id: int) -> bool:
    """Whether the link's learner still exists and has not been erased."""
    erased = await session.execute(select(LearnerRow.erased_at).where(LearnerRow.id == learner_id))
    row = erased.first()
    return row is not None and row.erased_at is None


async def current_preferences(session: AsyncSession, learner_id: int) -> Preferences:
    return (await preferences_for(session, [learner_id]))[learner_id]


def changed_fields(before: Preferences, after: Preferences) -> list[str]:
    return [
        item.name for item in fields(Preferences) if getattr(before, item.name) != getattr(after, item.name)
    ]


async def save_from_page(
    session: AsyncSession, learner_id: int, chosen: Preferences, *, now: datetime
) -> list[str]:
    """Store what the preferences page submitted; return the names of the fields that changed."""
    before = await current_preferences(session, learner_id)
    await save_preferences(session, learner_id, chosen, now=now)
    changed = changed_fields(before, chosen)
    await record_audit(
        session,
        at=now,
        actor=LINK_ACTOR,
        action="notifications.preferences.save",
        target=f"learner:{learner_id}",
        detail={"changed": changed},
    )
    return changed


async def unsubscribe_from_nudges(session: AsyncSession, learner_id: int, *, now: datetime, how: str) -> bool:
    """Opt the learner out of nudges (RFC 8058 one-click or the page's button); False when they already
    were. Audit-logged either way, with `how` ("one-click" or "page")."""
    before = await current_preferences(session, learner_id)
    already = UNSUBSCRIBE_CATEGORY in before.opted_out
    if not already:
        after = replace(before, opted_out=before.opted_out | {UNSUBSCRIBE_CATEGORY})
        await save_preferences(session, learner_id, after, now=now)
    await record_audit(
        session,
        at=now,
        actor=LINK_ACTOR,
        action="notifications.unsubscribe",
        target=f"learner:{learner_id}",
        detail={"category": UNSUBSCRIBE_CATEGORY, "how": how, "already": already},
    )
    return not already
