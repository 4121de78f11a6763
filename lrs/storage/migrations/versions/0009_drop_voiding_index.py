"""statements: drop the voids_id index, which no query uses any more

The write path used to look up `voids_id IN (...)`; it now finds the ids a stored statement voids
through `statement_refs` (lrs.storage.batch_lookup), whose plan holds without statistics. Nothing
else filters on voids_id by value, so its index was only upkeep.

Revision ID: 0009_drop_voiding_index
Revises: 0008_enrolment_registration
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_drop_voiding_index"
down_revision: str | None = "0008_enrolment_registration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VOIDING = sa.text("voids_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_statements_voids_id", table_name="statements")


def downgrade() -> None:
    op.create_index(
        "ix_statements_voids_id",
        "statements",
        ["voids_id"],
        sqlite_where=_VOIDING,
        postgresql_where=_VOIDING,
    )
