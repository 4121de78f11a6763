"""What the programme store hands back: plain frozen records, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lrs.programme.model import MoveOn, Sector, SessionKind


@dataclass(frozen=True)
class ProgrammeSummary:
    id: str
    title: str
    version: int
    definition_hash: str
    source: str
    updated_at: datetime


@dataclass(frozen=True)
class SaveResult:
    programme_id: str
    version: int
    changed: bool  # False when the stored definition was already identical


@dataclass(frozen=True)
class CohortRecord:
    id: str
    programme_id: str
    title: str
    start: date
    end: date


@dataclass(frozen=True)
class ModuleRecord:
    programme_id: str
    module_id: str
    activity_iri: str
    title: str
    move_on: MoveOn
    mastery_score: float | None


@dataclass(frozen=True)
class SessionRecord:
    programme_id: str
    session_id: str
    cohort_id: str
    activity_iri: str
    title: str
    kind: SessionKind
    start: datetime  # UTC
    end: datetime  # UTC
    timezone: str


@dataclass(frozen=True)
class OrganisationRecord:
    id: str
    name: str
    sector: Sector


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    email: str
    employee_number: str | None
    organisation_id: str
    role: str


@dataclass(frozen=True)
class Enrolment:
    learner_id: int
    cohort_id: str
    programme_id: str
    status: str
    enrolled_at: datetime


@dataclass(frozen=True)
class RosterEntry:
    learner: Learner
    organisation_name: str
    status: str
    enrolled_at: datetime
    registration: str  # the enrolment's xAPI context.registration
