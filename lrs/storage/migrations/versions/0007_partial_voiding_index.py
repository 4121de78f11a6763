"""statements: index voids_id only where a statement voids one

Only voiding statements have a voids_id, yet every statement added an (empty) entry to its index. The
write path's look-ups (`voids_id IN (...)`) imply `voids_id IS NOT NULL`, so a partial index serves
them on SQLite and PostgreSQL alike, and one index insertion per stored statement goes away.

Revision ID: 0007_partial_voiding_index
Revises: 0006_index_rows_no_fk
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_partial_voiding_index"
down_revision: str | None = "0006_index_rows_no_fk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VOIDING = sa.text("voids_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_statements_voids_id", table_name="statements")
    op.create_index(
        "ix_statements_voids_id",
        "statements",
        ["voids_id"],
        sqlite_where=_VOIDING,
        postgresql_where=_VOIDING,
    )


def downgrade() -> None:
    op.drop_index("ix_statements_voids_id", table_name="statements")
    op.create_index("ix_statements_voids_id", "statements", ["voids_id"])
