"""Importing a roster: check every row first, then write all of it (or the valid rows when asked) in the
caller's transaction. Re-importing the same file changes nothing; changed details update the learner.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.eligibility import ineligibility_reason
from lrs.programme.fields import is_email
from lrs.programme.model import Organisation, Programme, Sector
from lrs.programme.queries import account_ifi, email_ifis
from lrs.programme.roster import Outcome, RosterReport, RosterRow, RowResult
from lrs.programme.store import stored_programme
from lrs.storage.outbox import append_events
from lrs.storage.programme_models import (
    CohortRow,
    EnrolmentRow,
    LearnerIdentityRow,
    LearnerRow,
    OrganisationRow,
)

LEARNER_ENROLLED = "learner.enrolled"
LEARNER_WITHDRAWN = "learner.withdrawn"
ENROLLED, WITHDRAWN = "enrolled", "withdrawn"


class RowRejected(Exception):
    """One row cannot be imported; the message is the reason shown in the report."""


@dataclass
class _Plan:
    """What one accepted row will write."""

    row: RosterRow
    cohort_id: str
    programme_id: str
    organisation: Organisation
    new_organisation: bool
    learner: LearnerRow | None
    enrolment: EnrolmentRow | None
    status: str = ENROLLED  # what the row asks the enrolment to be
    changes: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        if self.learner is None or self.enrolment is None:
            return Outcome.CREATED
        return Outcome.UPDATED if self.changes else Outcome.UNCHANGED


@dataclass
class _Context:
    session: AsyncSession
    default_cohort: str | None
    home_page: str | None
    organisations: dict[str, Organisation]  # by id and by lower-cased name
    programmes: dict[str, Programme] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)  # lower-cased e-mail -> first line


async def import_roster(
    session: AsyncSession,
    rows: Sequence[RosterRow],
    *,
    cohort_id: str | None = None,
    accept_valid: bool = False,
    dry_run: bool = False,
    account_home_page: str | None = None,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> RosterReport:
    """Check every row; write only if none is rejected (or `accept_valid`), and never on a dry run.

    `cohort_id` is used for rows without a cohort and must match rows that name one. With
    `account_home_page`, employee numbers become `account:<home page>|<number>` identities.
    `progress(done, total)` hears of each row checked and then each row written (total: twice the rows).
    """
    tell = progress or (lambda _done, _total: None)
    steps = 2 * len(rows)
    context = _Context(session, cohort_id, account_home_page, await _known_organisations(session))
    plans: list[_Plan | RowResult] = []
    for number, row in enumerate(rows):
        tell(number, steps)
        try:
            plans.append(await _plan(context, row))
        except RowRejected as err:
            cohort = row.cohort or cohort_id or ""
            plans.append(RowResult(row.line, row.email, Outcome.REJECTED, str(err), cohort_id=cohort))
    rejected = any(isinstance(item, RowResult) for item in plans)
    write = not dry_run and (accept_valid or not rejected)
    results = []
    for number, item in enumerate(plans, len(rows)):
        tell(number, steps)
        if isinstance(item, RowResult):
            results.append(item)
            continue
        learner_id = (
            await _apply(context, item, now) if write else (item.learner.id if item.learner else None)
        )
        outcome = item.outcome if write else item.outcome.unwritten()
        results.append(
            RowResult(
                item.row.line,
                item.row.email,
                outcome,
                "",
                learner_id,
                item.cohort_id,
                tuple(item.changes),
                tuple(item.cleared),
            )
        )
    tell(steps, steps)
    return RosterReport(tuple(results), written=write, dry_run=dry_run)


async def _known_organisations(session: AsyncSession) -> dict[str, Organisation]:
    known: dict[str, Organisation] = {}
    for row in await session.scalars(select(OrganisationRow)):
        organisation = Organisation(row.id, row.name, Sector(row.sector))
        known[row.id] = known[row.name.lower()] = organisation
    return known


async def _plan(context: _Context, row: RosterRow) -> _Plan:
    _check_fields(context, row)
    cohort_id = _cohort_of(context, row)
    cohort = await context.session.get(CohortRow, cohort_id)
    if cohort is None:
        raise RowRejected(f"unknown cohort {cohort_id!r}")
    programme = context.programmes.get(cohort.programme_id)
    if programme is None:
        programme = context.programmes[cohort.programme_id] = await stored_programme(
            context.session, cohort.programme_id
        )
    organisation, is_new = _organisation_of(context, row)
    reason = ineligibility_reason(programme, programme.cohort(cohort_id), organisation)
    if reason is not None:
        raise RowRejected(reason)
    learner = await context.session.scalar(
        select(LearnerRow).where(LearnerRow.email_key == row.email.lower())
    )
    row = _with_stored_values(row, learner)
    await _check_identities(context, row, learner)
    enrolment = None
    if learner is not None:
        enrolment = await context.session.scalar(
            select(EnrolmentRow).where(
                EnrolmentRow.learner_id == learner.id, EnrolmentRow.cohort_id == cohort_id
            )
        )
    status = row.status.lower() or ENROLLED
    if status == WITHDRAWN and enrolment is None:
        raise RowRejected(f"{row.email} is not on cohort {cohort_id!r}: there is nothing to withdraw")
    plan = _Plan(row, cohort_id, cohort.programme_id, organisation, is_new, learner, enrolment, status)
    plan.changes = _changes(plan)
    plan.cleared = _cleared(plan)
    if is_new:
        context.organisations[organisation.id] = context.organisations[organisation.name.lower()] = (
            organisation
        )
    return plan


def _check_fields(context: _Context, row: RosterRow) -> None:
    if row.problem:
        raise RowRejected(row.problem)
    if not row.name:
        raise RowRejected("name is empty")
    if not is_email(row.email):
        raise RowRejected(f"work email {row.email!r} is not an e-mail address")
    if not row.organisation:
        raise RowRejected("council/organisation is empty")
    if row.status.lower() not in ("", ENROLLED, WITHDRAWN):
        raise RowRejected(f"status {row.status!r} is not {ENROLLED!r} or {WITHDRAWN!r}")
    first = context.emails.setdefault(row.email.lower(), row.line)
    if first != row.line:
        raise RowRejected(f"{row.email} is already on line {first} of this file")


def _cohort_of(context: _Context, row: RosterRow) -> str:
    if row.cohort and context.default_cohort and row.cohort != context.default_cohort:
        raise RowRejected(f"the row is for cohort {row.cohort!r}, not {context.default_cohort!r}")
    cohort_id = row.cohort or context.default_cohort
    if not cohort_id:
        raise RowRejected("no cohort: fill the cohort column or choose one for the whole file")
    return cohort_id


def _organisation_of(context: _Context, row: RosterRow) -> tuple[Organisation, bool]:
    known = context.organisations.get(row.organisation) or context.organisations.get(row.organisation.lower())
    if known is not None:
        return known, False
    try:
        sector = Sector(row.sector.lower() or Sector.COUNCIL.value)
    except ValueError:
        allowed = ", ".join(item.value for item in Sector)
        raise RowRejected(f"sector {row.sector!r} is not one of: {allowed}") from None
    slug = re.sub(r"[^a-z0-9]+", "-", row.organisation.lower()).strip("-")[:100]
    if not slug:
        raise RowRejected(f"cannot make an organisation id from {row.organisation!r}")
    if slug in context.organisations:
        return context.organisations[slug], False
    return Organisation(slug, row.organisation, sector), True


async def _check_identities(context: _Context, row: RosterRow, learner: LearnerRow | None) -> None:
    wanted = [*email_ifis(row.email), *_account_ifis(context, row)]
    owners = await context.session.execute(
        select(LearnerIdentityRow.ifi, LearnerIdentityRow.learner_id).where(
            LearnerIdentityRow.ifi.in_(wanted)
        )
    )
    for ifi, owner in owners:
        if learner is None or owner != learner.id:
            raise RowRejected(f"identity {ifi} already belongs to another learner ({owner})")


def _account_ifis(context: _Context, row: RosterRow) -> list[str]:
    if context.home_page and row.employee_number:
        return [account_ifi(context.home_page, row.employee_number)]
    return []


def _with_stored_values(row: RosterRow, learner: LearnerRow | None) -> RosterRow:
    """The row with the learner's stored details where the file has no such column."""
    if learner is None:
        return row
    employee_number = row.employee_number if row.has("employee_number") else learner.employee_number or ""
    role = row.role if row.has("role") else learner.role
    return replace(row, employee_number=employee_number, role=role)


def _cleared(plan: _Plan) -> list[str]:
    """The changed fields that a present but empty cell empties."""
    row = plan.row
    empty = {"employee_number": not row.employee_number, "role": not row.role}
    return [name for name in plan.changes if empty.get(name, False)]


def _changes(plan: _Plan) -> list[str]:
    learner, row = plan.learner, plan.row
    changes: list[str] = []
    if learner is not None:
        fields = {
            "name": (learner.name, row.name),
            "email": (learner.email, row.email),
            "employee_number": (learner.employee_number or "", row.employee_number),
            "organisation": (learner.organisation_id, plan.organisation.id),
            "role": (learner.role, row.role),
        }
        changes = [name for name, (old, new) in fields.items() if old != new]
    if plan.enrolment is not None and plan.enrolment.status != plan.status:
        changes.append("status")
    return changes


async def _apply(context: _Context, plan: _Plan, now: datetime) -> int:
    session, row = context.session, plan.row
    if plan.new_organisation and await session.get(OrganisationRow, plan.organisation.id) is None:
        organisation = plan.organisation
        session.add(
            OrganisationRow(id=organisation.id, name=organisation.name, sector=organisation.sector.value)
        )
        await session.flush()  # before the learner that refers to it
    learner = plan.learner
    if learner is None:
        learner = LearnerRow(email_key=row.email.lower(), created_at=now)
        session.add(learner)
    old_number = learner.employee_number
    learner.name, learner.email, learner.role = row.name, row.email, row.role
    learner.employee_number = row.employee_number or None
    learner.organisation_id = plan.organisation.id
    if plan.changes or plan.learner is None:
        learner.updated_at = now
    await session.flush()
    await _save_identities(context, learner.id, row, old_number)
    payload = {"learner_id": learner.id, "cohort_id": plan.cohort_id, "programme_id": plan.programme_id}
    if plan.enrolment is None:
        session.add(
            EnrolmentRow(
                learner_id=learner.id,
                cohort_id=plan.cohort_id,
                status=ENROLLED,
                enrolled_at=now,
                registration=str(uuid.uuid4()),
            )
        )
        await append_events(session, [(LEARNER_ENROLLED, payload)], now=now)
    elif plan.enrolment.status != plan.status:  # withdrawn, or back after a withdrawal
        plan.enrolment.status = plan.status
        topic = LEARNER_WITHDRAWN if plan.status == WITHDRAWN else LEARNER_ENROLLED
        await append_events(session, [(topic, payload)], now=now)
    await session.flush()
    return learner.id


async def _save_identities(
    context: _Context, learner_id: int, row: RosterRow, old_number: str | None
) -> None:
    session = context.session
    if context.home_page and old_number and old_number != row.employee_number:
        stale = account_ifi(context.home_page, old_number)
        await session.execute(delete(LearnerIdentityRow).where(LearnerIdentityRow.ifi == stale))
    for ifi in [*email_ifis(row.email), *_account_ifis(context, row)]:
        if await session.get(LearnerIdentityRow, ifi) is None:
            session.add(LearnerIdentityRow(ifi=ifi, learner_id=learner_id))
    await session.flush()
