"""The learner page: their statements as a timeline, progress per item, attendance, and the messages
planned and sent to them with why (lrs.dashboard.learner_messages).

Only the most recent TIMELINE_LIMIT statements are read, through the per-person index, so the page's
cost stays flat however long the learner's history is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.learner_messages import OtherDelivery, PlannedLine, other_deliveries, planned_lines
from lrs.dashboard.scope import organisation_visible, visible_cohorts
from lrs.dashboard.users import Viewer
from lrs.errors import NotFound
from lrs.storage.models import Person, Statement, StatementAgent
from lrs.storage.programme_models import EnrolmentRow, LearnerIdentityRow, LearnerRow, OrganisationRow
from lrs.storage.progress_models import ProgressRecord

TIMELINE_LIMIT = 100


@dataclass(frozen=True)
class TimelineEntry:
    stored_at: datetime
    happened_at: datetime  # the statement's timestamp (when the learner did it), else when stored
    verb: str
    activity: str
    voided: bool


@dataclass(frozen=True)
class ItemProgress:
    cohort_id: str
    kind: str
    item_id: str
    status: str
    completed_at: datetime | None
    score_scaled: float | None


@dataclass(frozen=True)
class LearnerPage:
    learner_id: int
    name: str
    email: str
    organisation: str
    progress: tuple[ItemProgress, ...]
    timeline: tuple[TimelineEntry, ...]
    planned: tuple[PlannedLine, ...]  # what the notifications engine planned, why, and what became of it
    messages: tuple[OtherDelivery, ...]  # deliveries no planned message accounts for

    @property
    def attendance(self) -> tuple[ItemProgress, ...]:
        return tuple(item for item in self.progress if item.kind == "session")


async def learner_page(session: AsyncSession, viewer: Viewer, learner_id: int) -> LearnerPage:
    row = await session.get(LearnerRow, learner_id)
    if row is None or row.erased_at is not None or not await _visible(session, viewer, row):
        raise NotFound(f"no learner {learner_id}")
    organisation = await session.get(OrganisationRow, row.organisation_id)
    progress = await session.scalars(
        select(ProgressRecord)
        .where(ProgressRecord.learner_id == learner_id)
        .order_by(ProgressRecord.cohort_id, ProgressRecord.item_kind, ProgressRecord.item_id)
    )
    return LearnerPage(
        learner_id=row.id,
        name=row.name,
        email=row.email,
        organisation=organisation.name if organisation else row.organisation_id,
        progress=tuple(
            ItemProgress(p.cohort_id, p.item_kind, p.item_id, p.status, p.completed_at, p.score_scaled)
            for p in progress
        ),
        timeline=await _timeline(session, learner_id),
        planned=await planned_lines(session, learner_id, await _cohorts_shown(session, viewer)),
        messages=await other_deliveries(session, row.email),
    )


async def _visible(session: AsyncSession, viewer: Viewer, row: LearnerRow) -> bool:
    if viewer.role != "facilitator":
        return organisation_visible(viewer, row.organisation_id)
    cohorts = {cohort.id for cohort in await visible_cohorts(session, viewer)}
    enrolled = await session.scalars(select(EnrolmentRow.cohort_id).where(EnrolmentRow.learner_id == row.id))
    return bool(cohorts & set(enrolled))


async def _cohorts_shown(session: AsyncSession, viewer: Viewer) -> set[str] | None:
    """A facilitator sees the messages of their own cohorts only; others see all of the learner's."""
    if viewer.role != "facilitator":
        return None
    return {cohort.id for cohort in await visible_cohorts(session, viewer)}


async def _timeline(session: AsyncSession, learner_id: int) -> tuple[TimelineEntry, ...]:
    rows = await session.execute(
        select(Statement.stored_us, Statement.verb_iri, Statement.voided, Statement.body)
        .join(StatementAgent, StatementAgent.statement_pk == Statement.pk)
        .join(Person, Person.id == StatementAgent.person_id)
        .join(LearnerIdentityRow, LearnerIdentityRow.ifi == Person.ifi)
        .where(LearnerIdentityRow.learner_id == learner_id, StatementAgent.direct.is_(True))
        .order_by(StatementAgent.stored_us.desc())
        .limit(TIMELINE_LIMIT)
    )
    entries = []
    for stored_us, verb_iri, voided, body in rows:
        stored_at = datetime.fromtimestamp(stored_us / 1_000_000, UTC)
        happened_at, object_id = _when_and_what(body, stored_at)
        entries.append(
            TimelineEntry(stored_at, happened_at, verb_iri.rstrip("/").rsplit("/", 1)[-1], object_id, voided)
        )
    return tuple(entries)


def _when_and_what(body: str, stored_at: datetime) -> tuple[datetime, str]:
    """The statement's timestamp (else `stored_at`) and its object's id, from the stored body."""
    try:
        statement = json.loads(body)
    except ValueError:
        return stored_at, ""
    if not isinstance(statement, dict):
        return stored_at, ""
    target = statement.get("object")
    object_id = str(target.get("id", "")) if isinstance(target, dict) else ""
    try:
        happened = datetime.fromisoformat(str(statement.get("timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        return stored_at, object_id
    return (happened.astimezone(UTC) if happened.tzinfo else stored_at), object_id
