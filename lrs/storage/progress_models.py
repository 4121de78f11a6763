"""Progress projection tables (rebuilt from statements at any time) and durable timers.

Rows refer to learners by `learners.id` (one learner may be known by several IFIs); the programme
tables hold who they are.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime


class ProgressRecord(Base):
    """One learner's state in one item (module, session, block or programme) of one cohort."""

    __tablename__ = "progress"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    programme_id: Mapped[str] = mapped_column(String(100))
    cohort_id: Mapped[str] = mapped_column(String(100))
    learner_id: Mapped[int] = mapped_column(BigId, ForeignKey("learners.id"))
    item_kind: Mapped[str] = mapped_column(String(20))  # module | session | block | programme
    item_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    first_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    satisfied_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    score_scaled: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_spent_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # Modules and sessions: what the row was computed from (lrs.progress.facts, JSON), so the next
    # statement folds into it instead of re-reading the learner's history. None: compute from scratch.
    facts: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        UniqueConstraint("learner_id", "programme_id", "cohort_id", "item_kind", "item_id"),
        Index("ix_progress_item", "programme_id", "cohort_id", "item_kind", "item_id"),
    )


class ProgressLearner(Base):
    """A learner in a cohort: the row progress updates lock (so one learner's events are applied one
    at a time) and the learner's latest activity, which drives the inactivity timer."""

    __tablename__ = "progress_learners"
    learner_id: Mapped[int] = mapped_column(BigId, ForeignKey("learners.id"), primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ProgressDuration(Base):
    """A statement whose duration an enrolment's facts have counted (durations are sums: folding one
    statement twice, say after a full recomputation already saw it, must not count it twice)."""

    __tablename__ = "progress_durations"
    learner_id: Mapped[int] = mapped_column(BigId, ForeignKey("learners.id"), primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class ConfidenceResult(Base):
    """A learner's confidence self-assessment, before (`pre`) and after (`post`) the programme."""

    __tablename__ = "confidence_results"
    learner_id: Mapped[int] = mapped_column(BigId, ForeignKey("learners.id"), primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    phase: Mapped[str] = mapped_column(String(10), primary_key=True)
    score_raw: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_scaled: Mapped[float | None] = mapped_column(Float, nullable=True)
    statement_id: Mapped[str] = mapped_column(String(36))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Timer(Base):
    """A durable timer: when `due_at` passes, the worker turns it into an outbox event (topic,
    payload) and sets `fired_at`. `key` names what it is for, so re-arming replaces, never adds."""

    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (Index("ix_timers_due", "fired_at", "due_at"),)
