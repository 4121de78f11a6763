"""progress_changes: a trigger-kept change log of the progress projection (HR incremental pulls)

See lrs.storage.report_models for what the columns mean and why the sequence is safe to page on.
Existing progress rows are copied in as the first changes.

Revision ID: 0013_reports
Revises: (see down_revision)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_reports"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEY = "learner_id, programme_id, cohort_id, item_kind, item_id"
_MATCH_OLD = (
    "learner_id = OLD.learner_id AND programme_id = OLD.programme_id AND cohort_id = OLD.cohort_id"
    " AND item_kind = OLD.item_kind AND item_id = OLD.item_id"
)
_NEW_KEY = "NEW.learner_id, NEW.programme_id, NEW.cohort_id, NEW.item_kind, NEW.item_id"

_SQLITE_SEQ = "(SELECT coalesce(max(change_seq), 0) + 1 FROM progress_changes)"
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"
_SQLITE_UPSERT = f"""
    INSERT INTO progress_changes ({_KEY}, change_seq, updated_at, deleted)
    VALUES ({_NEW_KEY}, {_SQLITE_SEQ}, {_SQLITE_NOW}, 0)
    ON CONFLICT ({_KEY}) DO UPDATE SET change_seq = excluded.change_seq,
        updated_at = excluded.updated_at, deleted = 0;
"""
_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER progress_changes_insert AFTER INSERT ON progress BEGIN {_SQLITE_UPSERT} END",
    f"""CREATE TRIGGER progress_changes_update AFTER UPDATE ON progress
        WHEN OLD.status IS NOT NEW.status OR OLD.first_activity_at IS NOT NEW.first_activity_at
          OR OLD.last_activity_at IS NOT NEW.last_activity_at OR OLD.completed_at IS NOT NEW.completed_at
          OR OLD.satisfied_at IS NOT NEW.satisfied_at OR OLD.score_scaled IS NOT NEW.score_scaled
          OR OLD.time_spent_ms IS NOT NEW.time_spent_ms
        BEGIN {_SQLITE_UPSERT} END""",
    f"""CREATE TRIGGER progress_changes_delete AFTER DELETE ON progress BEGIN
        UPDATE progress_changes SET deleted = 1, change_seq = {_SQLITE_SEQ}, updated_at = {_SQLITE_NOW}
        WHERE {_MATCH_OLD};
    END""",
)

_PG_FUNCTION = f"""
CREATE FUNCTION progress_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seq bigint := pg_current_xact_id()::text::bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE progress_changes SET deleted = true, change_seq = seq, updated_at = clock_timestamp()
        WHERE {_MATCH_OLD};
        RETURN OLD;
    END IF;
    INSERT INTO progress_changes ({_KEY}, change_seq, updated_at, deleted)
    VALUES ({_NEW_KEY}, seq, clock_timestamp(), false)
    ON CONFLICT ({_KEY}) DO UPDATE SET change_seq = excluded.change_seq,
        updated_at = excluded.updated_at, deleted = false;
    RETURN NEW;
END $$
"""
_PG_TRIGGERS = (
    _PG_FUNCTION,
    """CREATE TRIGGER progress_changes_insert AFTER INSERT OR DELETE ON progress
       FOR EACH ROW EXECUTE FUNCTION progress_changed()""",
    """CREATE TRIGGER progress_changes_update AFTER UPDATE ON progress
       FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION progress_changed()""",
)


def upgrade() -> None:
    op.create_table(
        "progress_changes",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("learner_id", _BIG_ID, nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=False),
        sa.Column("cohort_id", sa.String(length=100), nullable=False),
        sa.Column("item_kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_changes")),
        sa.UniqueConstraint(
            "learner_id",
            "programme_id",
            "cohort_id",
            "item_kind",
            "item_id",
            name=op.f("uq_progress_changes_learner_id"),
        ),
    )
    op.create_index("ix_progress_changes_seq", "progress_changes", ["change_seq", "id"])
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("organisations", sa.String(length=2000), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    seq = "pg_current_xact_id()::text::bigint" if postgres else "1"
    now = "clock_timestamp()" if postgres else _SQLITE_NOW
    false = "false" if postgres else "0"
    op.execute(
        f"INSERT INTO progress_changes ({_KEY}, change_seq, updated_at, deleted)"
        f" SELECT {_KEY}, {seq}, {now}, {false} FROM progress"
    )
    for sql in _PG_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER progress_changes_insert ON progress")
        op.execute("DROP TRIGGER progress_changes_update ON progress")
        op.execute("DROP FUNCTION progress_changed()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER progress_changes_{name}")
    op.drop_table("progress_changes")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("organisations")
