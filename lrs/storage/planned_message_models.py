"""The durable notification schedule: one `planned_messages` row per deterministic key.

Listeners create, move and cancel rows inside the event's transaction; the sender claims due rows in
its own write session (`claimed_until` is its lease), re-checks the reason and records the outcome.
The delivery log (`deliveries`) holds the attempts of the message actually sent for a row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.storage.base import Base, BigId, UtcDateTime

PLANNED = text("state = 'planned'")


class PlannedMessage(Base):
    __tablename__ = "planned_messages"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # learner, rule and occurrence
    rule: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))
    programme_id: Mapped[str] = mapped_column(String(100))
    cohort_id: Mapped[str] = mapped_column(String(100))
    learner_id: Mapped[int | None] = mapped_column(BigId, nullable=True)  # None: a channel post
    occurrence: Mapped[str] = mapped_column(String(200))  # the session, module or due window
    channel: Mapped[str | None] = mapped_column(String(40), nullable=True)  # chosen at send time
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    context: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what the rule needs to render
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # counts toward caps
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_planned_messages_due", "state", "due_at"),
        # The sender's claim (notifications.claims.due_messages): planned rows in due order (0027).
        Index("ix_planned_messages_claim", "due_at", "id", sqlite_where=PLANNED, postgresql_where=PLANNED),
        Index("ix_planned_messages_learner", "learner_id", "cohort_id"),
        Index("ix_planned_messages_cohort", "cohort_id", "due_at"),
        # What a programme change touches (cohort, occurrence), and one learner's share of it.
        Index("ix_planned_messages_occurrence", "cohort_id", "occurrence", "learner_id"),
    )


class PlanBasis(Base):
    """The programme definition (and the calendar rules) the schedule was last planned from: the next
    `programme.saved` re-plans only the sessions and modules that differ from it."""

    __tablename__ = "notification_plan_bases"
    programme_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)  # canonical JSON, as in programmes.definition
    rules: Mapped[str] = mapped_column(Text)  # notifications.replan.rules_fingerprint
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime)
