"""outbox: dead letters get `dead_at`; partial indexes for open, processed and dead rows

The claim used to read `ix_outbox_pending (processed_at, available_at, id)` and sort every pending
row by id; with a large backlog and no statistics that took seconds. Open rows (not processed, not
dead) now have an index of their own ordered as the claim reads them, so a claim reads O(batch)
index entries whatever the table holds. Processed rows are indexed by `processed_at` for the purge
and the drain rate; dead letters by id for `lrs events dead`.

Revision ID: 0010_outbox
Revises: 0017_learner_erasure
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_outbox"
down_revision: str | None = "0017_learner_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("processed_at IS NULL AND dead_at IS NULL")
_PROCESSED = sa.text("processed_at IS NOT NULL")
_DEAD = sa.text("dead_at IS NOT NULL AND processed_at IS NULL")
_DEAD_AFTER = 8  # the consumer's max_attempts when this migration was written


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        sa.text(
            "UPDATE outbox SET dead_at = available_at "
            f"WHERE processed_at IS NULL AND attempts >= {_DEAD_AFTER}"
        )
    )
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index(
        "ix_outbox_open", "outbox", ["available_at", "id"], sqlite_where=_OPEN, postgresql_where=_OPEN
    )
    op.create_index(
        "ix_outbox_processed",
        "outbox",
        ["processed_at"],
        sqlite_where=_PROCESSED,
        postgresql_where=_PROCESSED,
    )
    op.create_index("ix_outbox_dead", "outbox", ["id"], sqlite_where=_DEAD, postgresql_where=_DEAD)


def downgrade() -> None:
    op.drop_index("ix_outbox_dead", table_name="outbox")
    op.drop_index("ix_outbox_processed", table_name="outbox")
    op.drop_index("ix_outbox_open", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["processed_at", "available_at", "id"])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("dead_at")
