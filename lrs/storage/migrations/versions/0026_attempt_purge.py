"""attempt purge: settled delivery attempts are read oldest first when the worker deletes them

Revision ID: 0026_attempt_purge
Revises: (see down_revision)
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026_attempt_purge"
down_revision: str | None = "0024_trust_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_delivery_attempts_finished", "delivery_attempts", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_attempts_finished", table_name="delivery_attempts")
