"""Driver-level SQL for the write path's hot statements.

Plain tuples through the DBAPI with a prebuilt statement: for values that need no type processing
(strings, ints, booleans) this skips SQLAlchemy's per-row parameter handling and its re-rendering of
expanding IN lists, which together cost more than the database work for a 100-statement batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def placeholders(connection: Connection, count: int) -> str | None:
    """`count` positional parameter markers in the driver's style, or None for a style not handled."""
    paramstyle = connection.dialect.paramstyle
    if paramstyle == "qmark":
        return ", ".join(["?"] * count)
    if paramstyle == "numeric_dollar":
        return ", ".join(f"${number}" for number in range(1, count + 1))
    if paramstyle in ("format", "pyformat"):
        return ", ".join(["%s"] * count)
    return None


def insert_tuples(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT `rows` (values in `columns` order, needing no bind processing) in one executemany."""
    if not rows:
        return
    markers = placeholders(connection, len(columns))
    if markers is None:  # a driver this LRS does not ship with: let SQLAlchemy bind by name
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({markers})"
    connection.exec_driver_sql(sql, rows)
