"""Staff accounts: creating them (`lrs users create`), checking a local password, loading a viewer.

A `Viewer` is what every dashboard query is scoped by: an admin sees everything, an HR viewer only the
learners of their organisations, a facilitator the cohorts whose sessions they organise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.passwords import hash_password, password_matches
from lrs.errors import Conflict, InvalidRequest
from lrs.storage.programme_models import OrganisationRow
from lrs.storage.staff_models import StaffUserRow

ROLES = ("admin", "facilitator", "hr")


@dataclass(frozen=True)
class Viewer:
    user_id: int
    email: str
    role: str
    organisations: frozenset[str]
    session_generation: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _viewer(row: StaffUserRow) -> Viewer:
    return Viewer(row.id, row.email, row.role, frozenset(row.organisations.split()), row.session_generation)


async def create_staff_user(
    session: AsyncSession,
    *,
    email: str,
    role: str,
    organisations: tuple[str, ...],
    password: str,
    now: datetime,
) -> Viewer:
    if role not in ROLES:
        raise InvalidRequest("role", f"must be one of {', '.join(ROLES)}")
    if "@" not in email:
        raise InvalidRequest("email", "not an e-mail address")
    if role == "hr" and not organisations:
        raise InvalidRequest("organisation", "an hr user needs at least one --organisation")
    for organisation in organisations:
        if await session.get(OrganisationRow, organisation) is None:
            raise InvalidRequest("organisation", f"no organisation {organisation!r}")
    key = email.strip().lower()
    if await session.scalar(select(StaffUserRow.id).where(StaffUserRow.email_key == key)) is not None:
        raise Conflict(f"email: a staff user {email} already exists")
    row = StaffUserRow(
        email_key=key,
        email=email.strip(),
        role=role,
        organisations=" ".join(sorted(set(organisations))),
        password_hash=hash_password(password) if password else "",
        created_at=now,
        session_generation=0,
    )
    session.add(row)
    await session.flush()
    return _viewer(row)


async def signed_in_viewer(session: AsyncSession, *, email: str, password: str) -> Viewer | None:
    """The viewer whose local password this is, or None (same cost for an unknown e-mail)."""
    row = await session.scalar(select(StaffUserRow).where(StaffUserRow.email_key == email.strip().lower()))
    stored = row.password_hash if row is not None and row.disabled_at is None else ""
    if not password_matches(stored, password) or row is None:
        return None
    return _viewer(row)


async def viewer_by_email(session: AsyncSession, email: str) -> Viewer | None:
    """An enabled account by e-mail (how an Entra ID sign-in finds its staff account)."""
    row = await session.scalar(select(StaffUserRow).where(StaffUserRow.email_key == email.strip().lower()))
    return None if row is None or row.disabled_at is not None else _viewer(row)


async def viewer_by_id(session: AsyncSession, user_id: int) -> Viewer | None:
    row = await session.get(StaffUserRow, user_id)
    return None if row is None or row.disabled_at is not None else _viewer(row)


@dataclass(frozen=True)
class StaffAccount:
    email: str
    role: str
    organisations: tuple[str, ...]
    local_password: bool
    disabled: bool


async def staff_accounts(session: AsyncSession) -> list[StaffAccount]:
    rows = await session.scalars(select(StaffUserRow).order_by(StaffUserRow.email_key))
    return [
        StaffAccount(
            row.email,
            row.role,
            tuple(row.organisations.split()),
            bool(row.password_hash),
            row.disabled_at is not None,
        )
        for row in rows
    ]


async def disable_staff_user(session: AsyncSession, email: str, now: datetime) -> bool:
    """Disable an account: its sessions stop at their next request. False if there is no such account."""
    row = await session.scalar(select(StaffUserRow).where(StaffUserRow.email_key == email.strip().lower()))
    if row is None:
        return False
    row.disabled_at = row.disabled_at or now
    row.session_generation += 1
    return True


async def end_sessions(session: AsyncSession, user_id: int) -> None:
    """Sign-out: every session cookie issued to this account so far stops working."""
    row = await session.get(StaffUserRow, user_id)
    if row is not None:
        row.session_generation += 1
