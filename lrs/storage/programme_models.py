"""Programme tables: the validated definitions, their cohorts/modules/sessions/blocks as queryable rows,
organisations, learners (the programme's personal data), their identities (IFIs) and enrolments.

`programmes.definition` is the source of truth (canonical JSON); the item rows are rewritten from it on
every load so that "which module or session is this activity IRI" is one indexed lookup.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class ProgrammeRow(Base):
    __tablename__ = "programmes"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text)  # canonical JSON of lrs.programme.definition
    definition_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)  # 1, then +1 whenever the definition changes
    source: Mapped[str] = mapped_column(String(500))  # file path, or "api"
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CohortRow(Base):
    """Cohort ids are unique across programmes: the roster and the admin API name a cohort alone."""

    __tablename__ = "programme_cohorts"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class ModuleRow(Base):
    """One e-learning module of a programme. The same activity may serve several programmes."""

    __tablename__ = "programme_modules"
    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"))
    module_id: Mapped[str] = mapped_column(String(100))
    activity_iri: Mapped[str] = mapped_column(String(2000), index=True)
    title: Mapped[str] = mapped_column(String(300))
    move_on: Mapped[str] = mapped_column(String(32))
    mastery_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[str | None] = mapped_column(String(32), nullable=True)  # ISO period after cohort start

    __table_args__ = (UniqueConstraint("programme_id", "module_id"),)


class SessionRow(Base):
    """One live session of one cohort; its activity IRI identifies it across all programmes."""

    __tablename__ = "programme_sessions"
    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"))
    session_id: Mapped[str] = mapped_column(String(100))
    cohort_id: Mapped[str] = mapped_column(ForeignKey("programme_cohorts.id"), index=True)
    activity_iri: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(500), nullable=True)
    join_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    organiser: Mapped[str | None] = mapped_column(String(320), nullable=True)

    __table_args__ = (UniqueConstraint("programme_id", "session_id"),)


class BlockRow(Base):
    __tablename__ = "programme_blocks"
    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"))
    block_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    activity_iri: Mapped[str | None] = mapped_column(String(2000), nullable=True, index=True)
    members: Mapped[str] = mapped_column(Text)  # JSON {"modules": [...], "sessions": [...]}

    __table_args__ = (UniqueConstraint("programme_id", "block_id"),)


class OrganisationRow(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    sector: Mapped[str] = mapped_column(String(32))


class LearnerRow(Base):
    """A person on a programme. `email_key` (lower-cased work e-mail) is how rosters find them again."""

    __tablename__ = "learners"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    employee_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when the person was erased (lrs.privacy.erase): the row is then a tombstone with no identity.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LearnerIdentityRow(Base):
    """An IFI a learner is known by in statements, in `lrs.xapi.agents.agent_ifi` canonical form."""

    __tablename__ = "learner_identities"
    ifi: Mapped[str] = mapped_column(String(700), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)


class EnrolmentRow(Base):
    __tablename__ = "enrolments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    cohort_id: Mapped[str] = mapped_column(ForeignKey("programme_cohorts.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # enrolled | withdrawn
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # xAPI context.registration for this enrolment: made at enrolment, kept on re-enrolment.
    registration: Mapped[str] = mapped_column(String(36), unique=True)

    __table_args__ = (UniqueConstraint("learner_id", "cohort_id"),)
