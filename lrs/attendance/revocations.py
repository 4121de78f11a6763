"""Check-in links revoked one at a time, by link id: a lost phone's link stops working at once,
while the facilitator's new link (and everyone else's) keeps working."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.trust_models import RevokedCheckinLink


async def revoke_checkin_link(session: AsyncSession, *, link_id: str, session_id: str, now: datetime) -> bool:
    """Revoke the link; False when it was revoked already."""
    if await session.get(RevokedCheckinLink, link_id) is not None:
        return False
    session.add(RevokedCheckinLink(link_id=link_id, session_id=session_id, revoked_at=now))
    await session.flush()
    return True


async def checkin_link_revoked(session: AsyncSession, link_id: str) -> bool:
    found = await session.scalar(
        select(RevokedCheckinLink.link_id).where(RevokedCheckinLink.link_id == link_id)
    )
    return found is not None
