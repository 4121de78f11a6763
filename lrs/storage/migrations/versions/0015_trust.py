"""trust: check-in links revoked one at a time

Revision ID: 0015_trust
Revises: 0017_learner_erasure
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_trust"
down_revision: str | None = "0017_learner_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revoked_checkin_links",
        sa.Column("link_id", sa.String(32), primary_key=True),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("revoked_checkin_links")
