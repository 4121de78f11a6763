"""Read what a message may say about its learner: name, preferences, RSVP answer, unfinished modules
and their signed preferences and unsubscribe links. One read session, a handful of small queries."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import LearnerRow
from lrs.storage.progress_models import ProgressRecord
from notifications.context import LearnerFacts
from notifications.links import preferences_url, unsubscribe_url
from notifications.preference_models import NotificationPreference
from notifications.preferences import LANGUAGES, preferences_for
from notifications.rsvp_state import rsvp_state

NOBODY = LearnerFacts(0, "", "")


@dataclass(frozen=True)
class LinkSigner:
    """Makes a learner's signed links: the install's hash key and the public base URL."""

    key: bytes
    base_url: str

    def preferences(self, learner_id: int, now: datetime) -> str:
        return preferences_url(self.base_url, learner_id, self.key, now=now)

    def unsubscribe(self, learner_id: int, now: datetime) -> str:
        return unsubscribe_url(self.base_url, learner_id, self.key, now=now)


async def learner_facts(
    session: AsyncSession, row: PlannedMessage, programme: Programme, links: LinkSigner, now: datetime
) -> LearnerFacts:
    """The facts of the message's learner; NOBODY for a channel post or a learner gone."""
    learner = await session.get(LearnerRow, row.learner_id) if row.learner_id is not None else None
    if learner is None:
        return NOBODY
    preferences = (await preferences_for(session, [learner.id]))[learner.id]
    chosen = await session.get(NotificationPreference, learner.id)
    if chosen is None and programme.notifications.get("language") in LANGUAGES:
        preferences = replace(preferences, language=str(programme.notifications["language"]))
    return LearnerFacts(
        learner.id,
        learner.name,
        learner.email,
        preferences,
        rsvp_state=await _rsvp(session, row, programme),
        preferences_url=links.preferences(learner.id, now),
        unsubscribe_url=links.unsubscribe(learner.id, now),
        open_modules=await _open_modules(session, learner.id, row.cohort_id, programme),
    )


async def _rsvp(session: AsyncSession, row: PlannedMessage, programme: Programme) -> str | None:
    session_id = json.loads(row.context).get("session_id")
    found = next((item for item in programme.sessions if item.id == session_id), None)
    if found is None or row.learner_id is None:
        return None
    return await rsvp_state(session, row.learner_id, found.activity_iri)


async def _open_modules(
    session: AsyncSession, learner_id: int, cohort_id: str, programme: Programme
) -> tuple[str, ...]:
    satisfied = set(
        await session.scalars(
            select(ProgressRecord.item_id).where(
                ProgressRecord.learner_id == learner_id,
                ProgressRecord.cohort_id == cohort_id,
                ProgressRecord.item_kind == "module",
                ProgressRecord.satisfied_at.is_not(None),
            )
        )
    )
    return tuple(module.id for module in programme.modules if module.id not in satisfied)
