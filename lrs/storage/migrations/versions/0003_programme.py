"""programmes, cohorts, modules, sessions, blocks, organisations, learners, identities, enrolments

Revision ID: 0003_programme
Revises: 0002_documents
Create Date: 2026-11-22 20:32:42.958490
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_programme"
down_revision: str | None = "0002_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "programmes",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("definition_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_table(
        "learners",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("employee_number", sa.String(length=100), nullable=True),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_learners_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learners")),
        sa.UniqueConstraint("email_key", name=op.f("uq_learners_email_key")),
    )
    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learners_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "programme_blocks",
        sa.Column(
            "pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("block_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("activity_iri", sa.String(length=2000), nullable=True),
        sa.Column("members", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_programme_blocks_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_programme_blocks")),
        sa.UniqueConstraint("programme_id", "block_id", name=op.f("uq_programme_blocks_programme_id")),
    )
    with op.batch_alter_table("programme_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_blocks_activity_iri"), ["activity_iri"], unique=False)

    op.create_table(
        "programme_cohorts",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_programme_cohorts_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_cohorts")),
    )
    with op.batch_alter_table("programme_cohorts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_cohorts_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "programme_modules",
        sa.Column(
            "pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("module_id", sa.String(length=100), nullable=False),
        sa.Column("activity_iri", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("move_on", sa.String(length=32), nullable=False),
        sa.Column("mastery_score", sa.Float(), nullable=True),
        sa.Column("due", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_programme_modules_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_programme_modules")),
        sa.UniqueConstraint("programme_id", "module_id", name=op.f("uq_programme_modules_programme_id")),
    )
    with op.batch_alter_table("programme_modules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_modules_activity_iri"), ["activity_iri"], unique=False)

    op.create_table(
        "enrolments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("learner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["programme_cohorts.id"], name=op.f("fk_enrolments_cohort_id_programme_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_enrolments_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("learner_id", "cohort_id", name=op.f("uq_enrolments_learner_id")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_cohort_id"), ["cohort_id"], unique=False)

    op.create_table(
        "learner_identities",
        sa.Column("ifi", sa.String(length=700), nullable=False),
        sa.Column("learner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_learner_identities_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("ifi", name=op.f("pk_learner_identities")),
    )
    with op.batch_alter_table("learner_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learner_identities_learner_id"), ["learner_id"], unique=False)

    op.create_table(
        "programme_sessions",
        sa.Column(
            "pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("session_id", sa.String(length=100), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("activity_iri", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("join_url", sa.String(length=2000), nullable=True),
        sa.Column("organiser", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["programme_cohorts.id"],
            name=op.f("fk_programme_sessions_cohort_id_programme_cohorts"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_programme_sessions_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_programme_sessions")),
        sa.UniqueConstraint("activity_iri", name=op.f("uq_programme_sessions_activity_iri")),
        sa.UniqueConstraint("programme_id", "session_id", name=op.f("uq_programme_sessions_programme_id")),
    )
    with op.batch_alter_table("programme_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_sessions_cohort_id"), ["cohort_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("programme_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_sessions_cohort_id"))

    op.drop_table("programme_sessions")
    with op.batch_alter_table("learner_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_identities_learner_id"))

    op.drop_table("learner_identities")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_cohort_id"))

    op.drop_table("enrolments")
    with op.batch_alter_table("programme_modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_modules_activity_iri"))

    op.drop_table("programme_modules")
    with op.batch_alter_table("programme_cohorts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_cohorts_programme_id"))

    op.drop_table("programme_cohorts")
    with op.batch_alter_table("programme_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_blocks_activity_iri"))

    op.drop_table("programme_blocks")
    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learners_organisation_id"))

    op.drop_table("learners")
    op.drop_table("programmes")
    op.drop_table("organisations")
