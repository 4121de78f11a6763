"""notifications: re-plan only what a programme change touches (the plan's basis, an occurrence index)

Revision ID: 0022_notify_perf
Revises: (see down_revision)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_notify_perf"
down_revision: str | None = "0018_pipeline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_plan_bases",
        sa.Column("programme_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_notification_plan_bases")),
    )
    with op.batch_alter_table("planned_messages", schema=None) as batch_op:
        batch_op.create_index("ix_planned_messages_occurrence", ["cohort_id", "occurrence", "learner_id"])


def downgrade() -> None:
    with op.batch_alter_table("planned_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_planned_messages_occurrence")
    op.drop_table("notification_plan_bases")
