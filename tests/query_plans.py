"""SQLite query plans of the statements code actually issues: for tests that a cost does not grow
with history (every look-up goes through an index, none scans a table)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from lrs.storage.engine import Database

Issued = list[tuple[str, Any]]
KINDS = ("SELECT", "UPDATE", "DELETE")


@contextmanager
def issued(database: Database, kinds: tuple[str, ...] = KINDS) -> Iterator[Issued]:
    """The single (not executemany) statements of `kinds` sent on the database's engines meanwhile."""
    captured: Issued = []
    engines = {database.writer.sync_engine, database.reader.sync_engine}

    def record(_c: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool) -> None:
        if not many and sql.lstrip().upper().startswith(kinds):
            captured.append((sql, params))

    for found in engines:
        event.listen(found, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        for found in engines:
            event.remove(found, "before_cursor_execute", record)


async def plan_lines(database: Database, captured: Issued) -> list[tuple[str, str]]:
    """(plan line, the statement's first line) for every statement captured."""
    lines = []
    async with database.read_session() as session:
        connection = await session.connection()
        for sql, params in captured:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params))
            lines += [(str(row[-1]), sql.split("\n")[0][:140]) for row in plan]
    return lines
