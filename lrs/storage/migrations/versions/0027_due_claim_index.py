"""notifications: the sender's claim reads planned messages in (due_at, id) order from a partial index

Revision ID: 0027_due_claim_index
Revises: (see down_revision)

With only `ix_planned_messages_due` (state, due_at), PostgreSQL without statistics read every due
row and sorted it by id for each claim of 500 (about 0.7 s while 120,000 were due). The partial index
of planned rows in the claim's order makes the claim a range read, as `ix_outbox_open` does for the
outbox.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_due_claim_index"
down_revision: str | None = "0022_notify_perf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLANNED = sa.text("state = 'planned'")


def upgrade() -> None:
    op.create_index(
        "ix_planned_messages_claim",
        "planned_messages",
        ["due_at", "id"],
        sqlite_where=_PLANNED,
        postgresql_where=_PLANNED,
    )


def downgrade() -> None:
    op.drop_index("ix_planned_messages_claim", table_name="planned_messages")
