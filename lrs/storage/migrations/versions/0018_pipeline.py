"""pipeline: progress rows keep their facts; the statements whose durations were counted

Revision ID: 0018_pipeline
Revises: (see down_revision)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_pipeline"
down_revision: str | None = "0026_attempt_purge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Rows written before this revision have no facts: the worker recomputes those learners in full
    # the first time it meets them (and `lrs progress rebuild` does them all).
    with op.batch_alter_table("progress") as batch:
        batch.add_column(sa.Column("facts", sa.Text(), nullable=True))
    op.create_table(
        "progress_durations",
        sa.Column("learner_id", _BIG_ID, nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_progress_durations_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint(
            "learner_id", "programme_id", "cohort_id", "statement_id", name=op.f("pk_progress_durations")
        ),
    )


def downgrade() -> None:
    op.drop_table("progress_durations")
    with op.batch_alter_table("progress") as batch:
        batch.drop_column("facts")
