"""notification_preferences: per-learner channel order, opt-outs, language, quiet hours, nation

Revision ID: 0012
Revises: (see down_revision)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("learner_id", _ID, nullable=False),
        sa.Column("channel_order", sa.String(200), nullable=False),
        sa.Column("opted_out_categories", sa.String(400), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("quiet_start", sa.String(5), nullable=False),
        sa.Column("quiet_end", sa.String(5), nullable=False),
        sa.Column("working_days", sa.String(40), nullable=False),
        sa.Column("nation", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name="fk_notification_preferences_learner_id_learners",
        ),
        sa.PrimaryKeyConstraint("learner_id", name="pk_notification_preferences"),
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
