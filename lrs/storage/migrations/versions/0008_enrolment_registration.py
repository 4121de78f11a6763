"""enrolments: a registration UUID per enrolment

xAPI's `context.registration` ties a learner's statements to one enrolment (cmi5 launches carry it).
Each enrolment now has its own, made when the learner is enrolled and kept if they are withdrawn and
enrolled again; the statements the LRS writes about a session (registers, check-ins, Teams reports)
carry it. Existing enrolments get a fresh one each.

Revision ID: 0008_enrolment_registration
Revises: 0007_partial_voiding_index
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_enrolment_registration"
down_revision: str | None = "0007_partial_voiding_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENROLMENTS = sa.table("enrolments", sa.column("id", sa.BigInteger), sa.column("registration", sa.String))


def upgrade() -> None:
    op.add_column("enrolments", sa.Column("registration", sa.String(36), nullable=True))
    connection = op.get_bind()
    ids = [row_id for (row_id,) in connection.execute(sa.select(_ENROLMENTS.c.id))]
    for row_id in ids:
        connection.execute(
            _ENROLMENTS.update().where(_ENROLMENTS.c.id == row_id).values(registration=str(uuid.uuid4()))
        )
    with op.batch_alter_table("enrolments") as batch:  # SQLite: NOT NULL needs a table copy
        batch.alter_column("registration", existing_type=sa.String(36), nullable=False)
        batch.create_unique_constraint("uq_enrolments_registration", ["registration"])


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_constraint("uq_enrolments_registration", type_="unique")
        batch.drop_column("registration")
