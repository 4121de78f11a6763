"""notifications: the durable schedule (planned_messages)

Revision ID: 0011
Revises: (see down_revision)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "planned_messages",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("learner_id", _BIG_ID, nullable=True),
        sa.Column("occurrence", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("claimed_until", _WHEN, nullable=True),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_planned_messages_key")),
    )
    with op.batch_alter_table("planned_messages", schema=None) as batch_op:
        batch_op.create_index("ix_planned_messages_due", ["state", "due_at"])
        batch_op.create_index("ix_planned_messages_learner", ["learner_id", "cohort_id"])
        batch_op.create_index("ix_planned_messages_cohort", ["cohort_id", "due_at"])


def downgrade() -> None:
    with op.batch_alter_table("planned_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_planned_messages_cohort")
        batch_op.drop_index("ix_planned_messages_learner")
        batch_op.drop_index("ix_planned_messages_due")
    op.drop_table("planned_messages")
