"""statement_agents and statement_activities without foreign keys

The index rows are written only by the statement write path, in the transaction that inserts their
statement and after the persons and activities they name; statements, persons and activities are
never deleted (erasure rewrites a person in place). The foreign-key checks guarded nothing the write
path does not already guarantee, and on PostgreSQL they were a trigger and a row lock per index row:
about a third of the database's work per stored statement (docs/benchmarks.md).

SQLite cannot drop a constraint in place: the two tables are copied (once; a minute or so for a few
million rows).

Revision ID: 0006_index_rows_no_fk
Revises: 0005_deliveries
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_index_rows_no_fk"
down_revision: str | None = "0005_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEYS = {
    "statement_agents": [
        ("fk_statement_agents_person_id_persons", "persons", "person_id", "id"),
        ("fk_statement_agents_statement_pk_statements", "statements", "statement_pk", "pk"),
    ],
    "statement_activities": [
        ("fk_statement_activities_activity_id_activities", "activities", "activity_id", "id"),
        ("fk_statement_activities_statement_pk_statements", "statements", "statement_pk", "pk"),
    ],
}


def upgrade() -> None:
    for table, keys in _FOREIGN_KEYS.items():
        with op.batch_alter_table(table) as batch:
            for name, _target, _column, _remote in keys:
                batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    for table, keys in _FOREIGN_KEYS.items():
        with op.batch_alter_table(table) as batch:
            for name, target, column, remote in keys:
                batch.create_foreign_key(name, target, [column], [remote])
