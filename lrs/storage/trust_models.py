"""Tables of the trust features: check-in links revoked one at a time, and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class RevokedCheckinLink(Base):
    """A check-in link that no longer works, by its id (`lrs.attendance.checkin.link_id`)."""

    __tablename__ = "revoked_checkin_links"
    link_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEvent(Base):
    """One administrative action (lrs.storage.audit): when, by whom, what, on what; no personal data."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))  # "cli", "credential:<key>"
    action: Mapped[str] = mapped_column(String(60))  # e.g. "credential.create", "roster.import"
    target: Mapped[str] = mapped_column(String(300))  # a key, programme, cohort or learner id
    detail: Mapped[str] = mapped_column(Text)  # JSON object
