"""Erasure (UK GDPR article 17): remove a person's identity everywhere the LRS holds it, in one
transaction, and return a receipt that itself names no one.

Statements are kept, but the agent rows they refer to (`persons`, `agent_forms`) are rewritten to a
random pseudonym, so counts and aggregates stay true and no statement names the person. The learner
record becomes a tombstone (HR sees `deleted`), their enrolments are withdrawn through the normal
`learner.withdrawn` event (planned messages are cancelled, the projection dropped), their documents
(state, agent profiles) are deleted, and delivery records lose the address. The suppression list
keeps a bounced address, if any, so that the person is never written to again (a legitimate
interest the law allows; docs/data-protection.md).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Delete, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.privacy.local_outbox import PersonInMessages, clean_local_outbox, person_in_messages
from lrs.privacy.subject import Subject, find_subject
from lrs.storage.document_models import Document
from lrs.storage.engine import Database
from lrs.storage.known_ids import start_identity_generation
from lrs.storage.models import AgentForm, Person
from lrs.storage.notification_models import Delivery, DeliveryAttempt, SuppressedAddress
from lrs.storage.outbox import append_events
from lrs.storage.programme_models import CohortRow, EnrolmentRow, LearnerIdentityRow, LearnerRow
from notifications.preference_models import NotificationPreference

ERASED_NAME = "Erased learner"
# Other modules holding personal data add an eraser here (name -> rows changed); each runs in the
# erasure's transaction.
Eraser = Callable[[AsyncSession, Subject, datetime], Awaitable[int]]


@dataclass(frozen=True)
class ErasureReceipt:
    learner_id: int | None
    pseudonym: str  # the account name statements now carry
    erased_at: datetime
    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)  # what was removed or rewritten, by table
    kept: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "pseudonym": self.pseudonym,
            "erased_at": self.erased_at.isoformat(),
            "dry_run": self.dry_run,
            "removed": self.removed,
            "kept": list(self.kept),
        }


class _DryRun(Exception):
    """Raised to roll a dry run's transaction back after counting."""


async def erase_person(
    database: Database,
    *,
    email: str | None = None,
    learner_id: int | None = None,
    base_url: str,
    now: datetime,
    dry_run: bool = False,
    erasers: dict[str, Eraser] | None = None,
    local_outbox: Path | None = None,
) -> ErasureReceipt:
    """Erase the person; with `dry_run`, do all of it and roll back, so the counts are exact. Then
    the local channel's `local_outbox` folder, if given, is cleaned of them (lrs.privacy.local_outbox:
    their messages deleted, others' that name them redacted; counted in a dry run)."""
    receipt: ErasureReceipt | None = None
    person: PersonInMessages | None = None
    try:
        async with database.write_session() as session, session.begin():
            subject = await find_subject(session, email=email, learner_id=learner_id)
            person = await person_in_messages(session, subject)
            receipt = await _erase(session, subject, base_url, now, dry_run, erasers or {})
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert receipt is not None and person is not None
    if local_outbox is not None:
        cleaned = clean_local_outbox(local_outbox, [person], dry_run=dry_run)
        receipt.removed["local outbox messages"] = cleaned.deleted
        receipt.removed["local outbox messages redacted"] = cleaned.redacted
    return receipt


async def erase_in_session(
    session: AsyncSession,
    subject: Subject,
    *,
    base_url: str,
    now: datetime,
    dry_run: bool = False,
    erasers: dict[str, Eraser] | None = None,
) -> ErasureReceipt:
    """The erasure, inside the caller's transaction (a worker listener's, for retention)."""
    return await _erase(session, subject, base_url, now, dry_run, erasers or {})


async def _erase(
    session: AsyncSession,
    subject: Subject,
    base_url: str,
    now: datetime,
    dry_run: bool,
    erasers: dict[str, Eraser],
) -> ErasureReceipt:
    pseudonym = secrets.token_hex(12)
    await start_identity_generation(session)  # no process may map the old identity to the pseudonym
    removed = {
        "persons": await _pseudonymise_persons(session, subject, base_url, pseudonym),
        "agent_forms": await _pseudonymise_forms(session, subject, base_url, pseudonym),
        "documents": await _delete_documents(session, subject),
        "deliveries": await _forget_recipient(session, subject),
    }
    if subject.learner_id is not None:
        removed["learner_identities"] = await _delete_identities(session, subject.learner_id)
        removed["notification_preferences"] = await _delete_preferences(session, subject.learner_id)
        removed["enrolments withdrawn"] = await _withdraw(session, subject.learner_id, now)
        removed["learners"] = await _tombstone(session, subject.learner_id, now)
    for name, eraser in erasers.items():
        removed[name] = await eraser(session, subject, now)
    kept = []
    if await _suppressed(session, subject):
        kept.append("suppressed_addresses: the bounced address stays blocked so it is never written to again")
    return ErasureReceipt(subject.learner_id, pseudonym, now, dry_run, removed, tuple(kept))


def _pseudonym_agent(base_url: str, name: str) -> dict[str, object]:
    return {"objectType": "Agent", "account": {"homePage": f"{base_url.rstrip('/')}/erased", "name": name}}


async def _pseudonymise_persons(
    session: AsyncSession, subject: Subject, base_url: str, pseudonym: str
) -> int:
    for number, person_id in enumerate(subject.person_ids):
        name = pseudonym if number == 0 else f"{pseudonym}-{number}"
        await session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(ifi=f"account:{base_url.rstrip('/')}/erased|{name}")
        )
    return len(subject.person_ids)


async def _pseudonymise_forms(session: AsyncSession, subject: Subject, base_url: str, pseudonym: str) -> int:
    if not subject.person_ids:
        return 0
    forms = (
        await session.execute(
            select(AgentForm.id, AgentForm.person_id).where(AgentForm.person_id.in_(subject.person_ids))
        )
    ).all()
    numbers = {person_id: number for number, person_id in enumerate(subject.person_ids)}
    for form_id, person_id in forms:
        number = numbers[person_id]
        body = json.dumps(_pseudonym_agent(base_url, pseudonym if number == 0 else f"{pseudonym}-{number}"))
        # The hash only finds a form again when the same agent is posted; nobody posts a pseudonym.
        form_hash = hashlib.sha256(f"erased|{form_id}".encode()).hexdigest()
        await session.execute(
            update(AgentForm).where(AgentForm.id == form_id).values(body=body, form_hash=form_hash)
        )
    return len(forms)


async def _delete_documents(session: AsyncSession, subject: Subject) -> int:
    if not subject.person_ids:
        return 0
    return await _deleted(session, delete(Document).where(Document.person_id.in_(subject.person_ids)))


async def _forget_recipient(session: AsyncSession, subject: Subject) -> int:
    ids = (await session.scalars(select(Delivery.id).where(subject.deliveries()))).all()
    if ids:
        await session.execute(
            update(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)).values(detail=None)
        )
        await session.execute(
            update(Delivery).where(Delivery.id.in_(ids)).values(recipient="(erased)", last_error=None)
        )
    return len(ids)


async def _delete_identities(session: AsyncSession, learner_id: int) -> int:
    return await _deleted(
        session, delete(LearnerIdentityRow).where(LearnerIdentityRow.learner_id == learner_id)
    )


async def _delete_preferences(session: AsyncSession, learner_id: int) -> int:
    return await _deleted(
        session, delete(NotificationPreference).where(NotificationPreference.learner_id == learner_id)
    )


async def _deleted(session: AsyncSession, statement: Delete) -> int:
    """Run a DELETE; the number of rows it removed."""
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _withdraw(session: AsyncSession, learner_id: int, now: datetime) -> int:
    enrolled = (
        await session.execute(
            select(EnrolmentRow, CohortRow.programme_id)
            .join(CohortRow, CohortRow.id == EnrolmentRow.cohort_id)
            .where(EnrolmentRow.learner_id == learner_id, EnrolmentRow.status == "enrolled")
        )
    ).all()
    events = []
    for enrolment, programme_id in enrolled:
        enrolment.status = "withdrawn"
        payload = {"learner_id": learner_id, "cohort_id": enrolment.cohort_id, "programme_id": programme_id}
        events.append(("learner.withdrawn", payload))
    await append_events(session, events, now=now)
    return len(events)


async def _tombstone(session: AsyncSession, learner_id: int, now: datetime) -> int:
    learner = await session.get(LearnerRow, learner_id)
    assert learner is not None
    learner.name, learner.role, learner.employee_number = ERASED_NAME, "", None
    learner.email = learner.email_key = f"erased-{learner_id}@erased.invalid"
    learner.erased_at, learner.updated_at = now, now
    await session.flush()
    return 1


async def _suppressed(session: AsyncSession, subject: Subject) -> bool:
    if not subject.email:
        return False
    address = subject.email.lower()  # the list holds addresses lower-cased
    return await session.get(SuppressedAddress, address) is not None
