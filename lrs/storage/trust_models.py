"""Tables of the trust features: check-in links revoked one at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, UtcDateTime


class RevokedCheckinLink(Base):
    """A check-in link that no longer works, by its id (`lrs.attendance.checkin.link_id`)."""

    __tablename__ = "revoked_checkin_links"
    link_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime)
