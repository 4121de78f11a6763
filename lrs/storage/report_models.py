"""Change log of the progress projection, for incremental HR pulls.

Database triggers (migration 0013) keep one row per learner x item that has ever been projected:
an insert or a real update of a `progress` row stamps it with a new `change_seq`, and a delete
(withdrawal, an item taken out of the programme) marks it `deleted` (a tombstone). No projection
code writes it, so every path (live, rebuild, re-projection) is covered.

`change_seq` orders changes as they become visible to readers:
- SQLite: one more than the highest so far (the single writer holds its lock until commit).
- PostgreSQL: the writing transaction's 64-bit id; readers only return changes below the oldest
  transaction of this database still in flight, so a later commit of a lower id is never skipped.
  (The LRS's own database role sees its sessions' `backend_xid` in pg_stat_activity.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class ProgressChange(Base):
    __tablename__ = "progress_changes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)  # record_id
    learner_id: Mapped[int] = mapped_column(BigId)
    programme_id: Mapped[str] = mapped_column(String(100))
    cohort_id: Mapped[str] = mapped_column(String(100))
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(100))
    change_seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("learner_id", "programme_id", "cohort_id", "item_kind", "item_id"),
        Index("ix_progress_changes_seq", "change_seq", "id"),
    )
