"""Who a data-protection request is about: the learner record and every identity the LRS holds for
the person, found from a work email (or a learner id)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import NotFound
from lrs.programme.queries import email_ifis
from lrs.storage.models import Person
from lrs.storage.notification_models import Delivery
from lrs.storage.programme_models import LearnerIdentityRow, LearnerRow


@dataclass(frozen=True)
class Subject:
    email: str  # as the request gave it, or the learner record's
    learner_id: int | None
    ifis: tuple[str, ...]  # every IFI the person may appear as in statements and documents
    person_ids: tuple[int, ...]  # the `persons` rows among them

    def deliveries(self) -> ColumnElement[bool]:
        """The delivery records addressed to the person, in any case: a roster may spell the
        address with capitals and the request not, or the reverse."""
        if not self.email:
            return false()
        return func.lower(Delivery.recipient) == self.email.lower()


def _sha1_ifis(email: str) -> list[str]:
    variants = {f"mailto:{email}", f"mailto:{email.lower()}"}
    return [f"mbox_sha1sum:{hashlib.sha1(value.encode()).hexdigest()}" for value in sorted(variants)]


async def find_subject(
    session: AsyncSession, *, email: str | None = None, learner_id: int | None = None
) -> Subject:
    """The subject by work email or learner id; NotFound when the LRS holds nothing about them."""
    learner = await _learner(session, email=email, learner_id=learner_id)
    address = (email or (learner.email if learner else "")).strip()
    ifis = set(email_ifis(address) + _sha1_ifis(address)) if address else set()
    if learner is not None:
        known = await session.scalars(
            select(LearnerIdentityRow.ifi).where(LearnerIdentityRow.learner_id == learner.id)
        )
        ifis.update(known)
        ifis.update(email_ifis(learner.email) + _sha1_ifis(learner.email))
    persons = (
        (await session.scalars(select(Person.id).where(Person.ifi.in_(sorted(ifis))))).all() if ifis else []
    )
    if learner is None and not persons:
        raise NotFound("the LRS holds nothing about that person")
    return Subject(address, learner.id if learner else None, tuple(sorted(ifis)), tuple(sorted(persons)))


async def _learner(session: AsyncSession, *, email: str | None, learner_id: int | None) -> LearnerRow | None:
    if learner_id is not None:
        learner = await session.get(LearnerRow, learner_id)
        if learner is None:
            raise NotFound(f"no person with id {learner_id}")
        return learner
    if not email or "@" not in email:
        raise ValueError("give the person's work email address")
    return await session.scalar(select(LearnerRow).where(LearnerRow.email_key == email.strip().lower()))
