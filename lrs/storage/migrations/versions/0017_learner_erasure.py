"""learners: erased_at, set when a person is erased (the row stays as a tombstone without identity)

Revision ID: 0017_learner_erasure
Revises: 0009_drop_voiding_index
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_learner_erasure"
down_revision: str | None = "0009_drop_voiding_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("erased_at")
