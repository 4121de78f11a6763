"""connector_throttles: how many times each channel's provider throttled it (429 / Retry-After)

Revision ID: 0024_trust_ops
Revises: (see down_revision)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_trust_ops"
down_revision: str | None = "0015_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connector_throttles",
        sa.Column("channel", sa.String(40), primary_key=True),
        sa.Column("throttled", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("connector_throttles")
