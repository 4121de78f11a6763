"""progress projection, confidence results and durable timers

Revision ID: 0004_progress
Revises: 0003_programme
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_progress"
down_revision: str | None = "0003_programme"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "progress",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("learner_id", _BIG_ID, nullable=False),
        sa.Column("item_kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("first_activity_at", _WHEN, nullable=True),
        sa.Column("last_activity_at", _WHEN, nullable=True),
        sa.Column("completed_at", _WHEN, nullable=True),
        sa.Column("satisfied_at", _WHEN, nullable=True),
        sa.Column("score_scaled", sa.Float(), nullable=True),
        sa.Column("time_spent_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_progress_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress")),
        sa.UniqueConstraint(
            "learner_id",
            "programme_id",
            "cohort_id",
            "item_kind",
            "item_id",
            name=op.f("uq_progress_learner_id"),
        ),
    )
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.create_index("ix_progress_item", ["programme_id", "cohort_id", "item_kind", "item_id"])
    op.create_table(
        "progress_learners",
        sa.Column("learner_id", _BIG_ID, nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("last_activity_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_progress_learners_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("learner_id", "programme_id", "cohort_id", name=op.f("pk_progress_learners")),
    )
    op.create_table(
        "confidence_results",
        sa.Column("learner_id", _BIG_ID, nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("score_raw", sa.Float(), nullable=True),
        sa.Column("score_scaled", sa.Float(), nullable=True),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_confidence_results_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint(
            "learner_id", "programme_id", "cohort_id", "phase", name=op.f("pk_confidence_results")
        ),
    )
    op.create_table(
        "timers",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("fired_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
        sa.UniqueConstraint("key", name=op.f("uq_timers_key")),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_due", ["fired_at", "due_at"])


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_due")
    op.drop_table("timers")
    op.drop_table("confidence_results")
    op.drop_table("progress_learners")
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_item")
    op.drop_table("progress")
