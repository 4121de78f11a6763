"""core tables

Revision ID: 0001_core
Revises: (none)
Create Date: 2026-11-22 20:20:18.078263
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "activities",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("iri", sa.String(length=2000), nullable=False),
        sa.Column("definition", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("iri", name=op.f("uq_activities_iri")),
    )
    op.create_table(
        "attachments",
        sa.Column("sha2", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha2", name=op.f("pk_attachments")),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("key", name=op.f("uq_credentials_key")),
    )
    op.create_table(
        "lrs_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_lrs_meta")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["processed_at", "available_at", "id"], unique=False)

    op.create_table(
        "persons",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("ifi", sa.String(length=700), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("ifi", name=op.f("uq_persons_ifi")),
    )
    op.create_table(
        "statements",
        sa.Column(
            "pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("stored_us", sa.BigInteger(), nullable=False),
        sa.Column("verb_iri", sa.String(length=2000), nullable=False),
        sa.Column("registration", sa.String(length=36), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("voids_id", sa.String(length=36), nullable=True),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_statements")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_statements_statement_id")),
    )
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statements_registration_stored", ["registration", "stored_us", "pk"], unique=False
        )
        batch_op.create_index("ix_statements_stored", ["stored_us", "pk"], unique=False)
        batch_op.create_index("ix_statements_verb_stored", ["verb_iri", "stored_us", "pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_statements_voids_id"), ["voids_id"], unique=False)

    op.create_table(
        "agent_forms",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("form_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_agent_forms_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_forms")),
        sa.UniqueConstraint("form_hash", name=op.f("uq_agent_forms_form_hash")),
    )
    with op.batch_alter_table("agent_forms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_forms_person_id"), ["person_id"], unique=False)

    op.create_table(
        "statement_activities",
        sa.Column("statement_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("activity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.Column("stored_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_statement_activities_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["statement_pk"], ["statements.pk"], name=op.f("fk_statement_activities_statement_pk_statements")
        ),
        sa.PrimaryKeyConstraint("statement_pk", "activity_id", name=op.f("pk_statement_activities")),
    )
    with op.batch_alter_table("statement_activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statement_activities_activity",
            ["activity_id", "direct", "stored_us", "statement_pk"],
            unique=False,
        )
        batch_op.create_index(
            "ix_statement_activities_activity_any", ["activity_id", "stored_us", "statement_pk"], unique=False
        )

    op.create_table(
        "statement_agents",
        sa.Column("statement_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.Column("stored_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_statement_agents_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["statement_pk"], ["statements.pk"], name=op.f("fk_statement_agents_statement_pk_statements")
        ),
        sa.PrimaryKeyConstraint("statement_pk", "person_id", name=op.f("pk_statement_agents")),
    )
    with op.batch_alter_table("statement_agents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statement_agents_person", ["person_id", "direct", "stored_us", "statement_pk"], unique=False
        )
        batch_op.create_index(
            "ix_statement_agents_person_any", ["person_id", "stored_us", "statement_pk"], unique=False
        )

    op.create_table(
        "statement_refs",
        sa.Column("referrer_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("referrer_id", sa.String(length=36), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["referrer_pk"], ["statements.pk"], name=op.f("fk_statement_refs_referrer_pk_statements")
        ),
        sa.PrimaryKeyConstraint("referrer_pk", name=op.f("pk_statement_refs")),
    )
    with op.batch_alter_table("statement_refs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_refs_target_id"), ["target_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("statement_refs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_refs_target_id"))

    op.drop_table("statement_refs")

    with op.batch_alter_table("statement_agents", schema=None) as batch_op:
        batch_op.drop_index("ix_statement_agents_person")
        batch_op.drop_index("ix_statement_agents_person_any")

    op.drop_table("statement_agents")
    with op.batch_alter_table("statement_activities", schema=None) as batch_op:
        batch_op.drop_index("ix_statement_activities_activity")
        batch_op.drop_index("ix_statement_activities_activity_any")

    op.drop_table("statement_activities")
    with op.batch_alter_table("agent_forms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_forms_person_id"))

    op.drop_table("agent_forms")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_voids_id"))
        batch_op.drop_index("ix_statements_verb_stored")
        batch_op.drop_index("ix_statements_stored")
        batch_op.drop_index("ix_statements_registration_stored")

    op.drop_table("statements")
    op.drop_table("persons")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
    op.drop_table("lrs_meta")
    op.drop_table("credentials")
    op.drop_table("attachments")
    op.drop_table("activities")
