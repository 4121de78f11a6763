"""The `notification_preferences` table (migration 0012): one row per learner who changed a default.

Lists are stored as comma-separated text so the column types are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"
    learner_id: Mapped[int] = mapped_column(BigId, ForeignKey("learners.id"), primary_key=True)
    channel_order: Mapped[str] = mapped_column(String(200))
    opted_out_categories: Mapped[str] = mapped_column(String(400))
    language: Mapped[str] = mapped_column(String(10))
    time_zone: Mapped[str] = mapped_column(String(64))
    quiet_start: Mapped[str] = mapped_column(String(5))
    quiet_end: Mapped[str] = mapped_column(String(5))
    working_days: Mapped[str] = mapped_column(String(40))
    nation: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
