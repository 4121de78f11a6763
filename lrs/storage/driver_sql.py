"""Driver-level SQL for the write path's hot statements.

Plain tuples through the DBAPI with a prebuilt statement: for values that need no type processing
(strings, ints, booleans) this skips SQLAlchemy's per-row parameter handling and its re-rendering of
expanding IN lists, which together cost more than the database work for a 100-statement batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection


def placeholders(connection: Connection, count: int, *, first: int = 1) -> str | None:
    """`count` positional parameter markers in the driver's style, or None for a style not handled.
    `first` numbers the first marker, for styles that number them (a second list in one statement)."""
    paramstyle = connection.dialect.paramstyle
    if paramstyle == "qmark":
        return ", ".join(["?"] * count)
    if paramstyle == "numeric_dollar":
        return ", ".join(f"${number}" for number in range(first, first + count))
    if paramstyle in ("format", "pyformat"):
        return ", ".join(["%s"] * count)
    return None


def insert_tuples(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """INSERT `rows` (values in `columns` order, needing no bind processing) in one executemany;
    with `ignore_conflicts`, rows colliding with a unique key are skipped (as `insert_ignoring_conflicts`)."""
    if not rows:
        return
    markers = placeholders(connection, len(columns))
    if markers is None:  # a driver this LRS does not ship with: let SQLAlchemy bind by name
        statement = _ignoring_insert(connection, table) if ignore_conflicts else insert(table)
        connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({markers})"
    if ignore_conflicts:
        if connection.dialect.name == "postgresql":
            sql += " ON CONFLICT DO NOTHING"
        else:
            sql = "INSERT OR IGNORE" + sql.removeprefix("INSERT")
    connection.exec_driver_sql(sql, rows)


def _ignoring_insert(connection: Connection, table: Table) -> Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return insert(table).prefix_with("OR IGNORE", dialect="sqlite")
