"""The cohort's sessions with their attendance, and for the people who run them a link to the
session's check-in register (the signed facilitator link of lrs.attendance.checkin).

A facilitator gets the link for the sessions they organise, an admin for every session; an HR viewer
sees attendance only. The link is signed for the viewer's own e-mail, so marks they save name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.attendance.checkin import FacilitatorLink, checkin_path, link_key, sign_link
from lrs.attendance.statements import Person
from lrs.dashboard.scope import CohortScope
from lrs.dashboard.users import Viewer
from lrs.storage.programme_models import LearnerRow, SessionRow
from lrs.storage.progress_models import ProgressRecord

LINK_HOURS = 12


@dataclass(frozen=True)
class SessionRegister:
    title: str
    start_at: datetime
    organiser: str
    attended: int
    checkin_link: str  # empty when the viewer may not take this session's register


async def cohort_registers(
    session: AsyncSession, scope: CohortScope, viewer: Viewer, *, hash_key: bytes, now: datetime
) -> list[SessionRegister]:
    visible_learners = select(LearnerRow.id).where(scope.learner_filter())
    attended = dict(
        (
            await session.execute(
                select(ProgressRecord.item_id, func.count())
                .where(ProgressRecord.cohort_id == scope.cohort.id, ProgressRecord.item_kind == "session")
                .where(ProgressRecord.status.in_(("attended", "waived")))
                .where(ProgressRecord.learner_id.in_(visible_learners))
                .group_by(ProgressRecord.item_id)
            )
        ).all()
    )
    rows = await session.scalars(
        select(SessionRow).where(SessionRow.cohort_id == scope.cohort.id).order_by(SessionRow.start_at)
    )
    key = link_key(hash_key)
    registers = []
    for row in rows:
        organiser = (row.organiser or "").lower()
        link = ""
        if viewer.is_admin or (viewer.role == "facilitator" and organiser == viewer.email.lower()):
            signed = FacilitatorLink(
                row.session_id, Person(viewer.email.lower(), ""), now + timedelta(hours=LINK_HOURS)
            )
            link = checkin_path(row.session_id, sign_link(signed, key))
        registers.append(
            SessionRegister(row.title, row.start_at, organiser, int(attended.get(row.session_id, 0)), link)
        )
    return registers
