"""The write path's voiding look-up is served by the partial index on voids_id (migration 0007)."""

from __future__ import annotations

from sqlalchemy import text

from lrs.storage.engine import Database

_LOOKUP = (
    "SELECT statement_id, body, voids_id FROM statements"
    " WHERE statement_id IN ('a', 'b') OR voids_id IN ('a', 'b')"
)


async def test_the_voiding_lookup_uses_the_partial_index(database: Database) -> None:
    explain = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN (COSTS OFF) "
    async with database.read_session() as session:
        if not database.is_sqlite:
            # An empty table is cheapest to read whole; the question is whether the index can serve.
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(row) for row in (await session.execute(text(explain + _LOOKUP))).all())
    assert "ix_statements_voids_id" in plan
