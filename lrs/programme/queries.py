"""Lookups for statement processing and reporting: who is this IFI, what is this activity, who is in a cohort.

Each takes the caller's session; none writes except `add_learner_identity`.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import Conflict, NotFound
from lrs.programme.model import MoveOn, Sector, SessionKind
from lrs.programme.records import (
    CohortRecord,
    Enrolment,
    Learner,
    ModuleRecord,
    OrganisationRecord,
    RosterEntry,
    SessionRecord,
)
from lrs.storage.models import Person
from lrs.storage.programme_models import (
    CohortRow,
    EnrolmentRow,
    LearnerIdentityRow,
    LearnerRow,
    ModuleRow,
    OrganisationRow,
    SessionRow,
)
from lrs.xapi.agents import canonical_mbox


def email_ifis(email: str) -> list[str]:
    """The mbox IFIs a work e-mail can appear as: as written, and fully lower-cased if different."""
    written = "mbox:" + canonical_mbox(f"mailto:{email}")
    lowered = "mbox:" + canonical_mbox(f"mailto:{email.lower()}")
    return [written] if written == lowered else [written, lowered]


def account_ifi(home_page: str, name: str) -> str:
    """`account:<homePage>|<name>`, as `lrs.xapi.agents.agent_ifi` renders an account."""
    return f"account:{home_page}|{name}"


async def learner_by_ifi(session: AsyncSession, ifi: str) -> Learner | None:
    """The learner known by this canonical IFI (see `lrs.xapi.agents.agent_ifi`), if any."""
    row = await session.scalar(
        select(LearnerRow).join(LearnerIdentityRow).where(LearnerIdentityRow.ifi == ifi)
    )
    return None if row is None else learner_record(row)


async def learner_by_email(session: AsyncSession, email: str) -> Learner | None:
    row = await session.scalar(select(LearnerRow).where(LearnerRow.email_key == email.strip().lower()))
    return None if row is None else learner_record(row)


async def learner_ifis(session: AsyncSession, learner_id: int) -> list[str]:
    rows = await session.scalars(
        select(LearnerIdentityRow.ifi).where(LearnerIdentityRow.learner_id == learner_id)
    )
    return sorted(rows)


async def add_learner_identity(session: AsyncSession, learner_id: int, ifi: str) -> None:
    """Record another IFI for a learner (e.g. an Entra account); Conflict if it is someone else's."""
    row = await session.get(LearnerIdentityRow, ifi)
    if row is not None and row.learner_id != learner_id:
        raise Conflict(f"identity {ifi} already belongs to learner {row.learner_id}")
    if row is None:
        session.add(LearnerIdentityRow(ifi=ifi, learner_id=learner_id))
        await session.flush()


async def modules_by_activity(session: AsyncSession, activity_iri: str) -> list[ModuleRecord]:
    """Every programme module delivered by this activity (one e-learning module may serve several)."""
    rows = await session.scalars(
        select(ModuleRow).where(ModuleRow.activity_iri == activity_iri).order_by(ModuleRow.programme_id)
    )
    return [
        ModuleRecord(
            row.programme_id,
            row.module_id,
            row.activity_iri,
            row.title,
            MoveOn(row.move_on),
            row.mastery_score,
        )
        for row in rows
    ]


async def module_by_activity(
    session: AsyncSession, activity_iri: str, programme_id: str
) -> ModuleRecord | None:
    found = [
        item for item in await modules_by_activity(session, activity_iri) if item.programme_id == programme_id
    ]
    return found[0] if found else None


async def session_by_activity(session: AsyncSession, activity_iri: str) -> SessionRecord | None:
    """The live session with this activity IRI (unique across programmes)."""
    row = await session.scalar(select(SessionRow).where(SessionRow.activity_iri == activity_iri))
    return None if row is None else _session_record(row)


async def cohort_sessions(session: AsyncSession, cohort_id: str) -> list[SessionRecord]:
    rows = await session.scalars(
        select(SessionRow).where(SessionRow.cohort_id == cohort_id).order_by(SessionRow.start_at)
    )
    return [_session_record(row) for row in rows]


async def cohort_record(session: AsyncSession, cohort_id: str) -> CohortRecord:
    row = await session.get(CohortRow, cohort_id)
    if row is None:
        raise NotFound(f"no cohort {cohort_id!r}")
    return CohortRecord(row.id, row.programme_id, row.title, row.start_date, row.end_date)


async def cohort_roster(session: AsyncSession, cohort_id: str) -> list[RosterEntry]:
    """Everyone enrolled in (or withdrawn from) the cohort, by name."""
    rows = await session.execute(
        select(
            LearnerRow,
            OrganisationRow.name,
            EnrolmentRow.status,
            EnrolmentRow.enrolled_at,
            EnrolmentRow.registration,
        )
        .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
        .join(OrganisationRow, OrganisationRow.id == LearnerRow.organisation_id)
        .where(EnrolmentRow.cohort_id == cohort_id)
        .order_by(LearnerRow.name, LearnerRow.id)
    )
    return [
        RosterEntry(learner_record(row), name, status, at, registration)
        for row, name, status, at, registration in rows
    ]


async def enrolments_of(session: AsyncSession, learner_id: int) -> list[Enrolment]:
    return await _enrolments(session, _enrolments_query().where(EnrolmentRow.learner_id == learner_id))


async def enrolments_of_person(session: AsyncSession, person_id: int) -> list[Enrolment]:
    """`enrolments_of` the learner known by this `persons` row (none when it is nobody's), in one query."""
    query = (
        _enrolments_query()
        .join(LearnerIdentityRow, LearnerIdentityRow.learner_id == EnrolmentRow.learner_id)
        .join(Person, Person.ifi == LearnerIdentityRow.ifi)
        .where(Person.id == person_id)
    )
    return await _enrolments(session, query)


def _enrolments_query() -> Select[EnrolmentRow, str]:
    return (
        select(EnrolmentRow, CohortRow.programme_id)
        .join(CohortRow, CohortRow.id == EnrolmentRow.cohort_id)
        .order_by(EnrolmentRow.enrolled_at, EnrolmentRow.id)
    )


async def _enrolments(session: AsyncSession, query: Select[EnrolmentRow, str]) -> list[Enrolment]:
    return [
        Enrolment(row.learner_id, row.cohort_id, programme_id, row.status, row.enrolled_at)
        for row, programme_id in await session.execute(query)
    ]


async def organisations(session: AsyncSession) -> list[OrganisationRecord]:
    rows = await session.scalars(select(OrganisationRow).order_by(OrganisationRow.id))
    return [OrganisationRecord(row.id, row.name, Sector(row.sector)) for row in rows]


def learner_record(row: LearnerRow) -> Learner:
    return Learner(row.id, row.name, row.email, row.employee_number, row.organisation_id, row.role)


def _session_record(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        row.programme_id,
        row.session_id,
        row.cohort_id,
        row.activity_iri,
        row.title,
        SessionKind(row.kind),
        row.start_at,
        row.end_at,
        row.timezone,
    )
