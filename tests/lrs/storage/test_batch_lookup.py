"""The write path's look-up of a batch's ids never reads the whole statements table, whatever the
planner knows: a freshly loaded PostgreSQL table has no statistics until it is analysed."""

from __future__ import annotations

import uuid

import pytest

from lrs.storage import batch_lookup
from lrs.storage.engine import Database

ROWS = 20_000
BATCH = 500
BODY = "{" + " " * 1500 + "}"  # a realistic statement size: the table spans thousands of pages


async def _fill_without_statistics(database: Database) -> None:
    """ROWS plain statements and a few voiding ones, with autovacuum kept off the table."""
    rows = [
        (pk, str(uuid.uuid4()), pk, "http://adlnet.gov/expapi/verbs/completed", None, False, None, None, BODY)
        for pk in range(1, ROWS + 1)
    ]
    voiding = [(pk, row[1], row[1]) for pk, row in zip(range(ROWS + 1, ROWS + 51), rows, strict=False)]
    insert = "INSERT INTO statements VALUES ({})"
    async with database.write_session() as session, session.begin():
        connection = await session.connection()
        marks = ", ".join(["?"] * 9) if database.is_sqlite else ", ".join(f"${n}" for n in range(1, 10))
        if not database.is_sqlite:
            await connection.exec_driver_sql("ALTER TABLE statements SET (autovacuum_enabled = false)")
        await connection.exec_driver_sql(insert.format(marks), rows)
        await connection.exec_driver_sql(
            insert.format(marks),
            [(pk, str(uuid.uuid4()), pk, "v", None, False, target, None, "{}") for pk, _, target in voiding],
        )
        ref_marks = "?, ?, ?" if database.is_sqlite else "$1, $2, $3"
        await connection.exec_driver_sql(
            f"INSERT INTO statement_refs VALUES ({ref_marks})",
            [(pk, str(uuid.uuid4()), target) for pk, _, target in voiding],
        )


async def test_the_batch_lookup_reads_by_key_on_an_unanalysed_table(database: Database) -> None:
    await _fill_without_statistics(database)
    ids = [str(uuid.uuid4()) for _ in range(BATCH)]
    async with database.read_session() as session:
        connection = await session.connection()
        sql = await connection.run_sync(lambda sync: batch_lookup.stored_or_voided_sql(sync, BATCH))
        assert sql is not None
        explain = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN (COSTS OFF) "
        rows = (await connection.exec_driver_sql(explain + sql, (*ids, *ids))).all()
    plan = "\n".join(str(row) for row in rows)
    # SQLite says "SCAN statements", PostgreSQL "Seq Scan on statements", when reading it whole.
    assert "SCAN statements" not in plan and "Seq Scan on statements" not in plan, plan


@pytest.mark.parametrize("driver_sql", [True, False], ids=["driver-sql", "sqlalchemy"])
async def test_the_lookup_finds_stored_ids_and_those_a_stored_statement_voids(
    database: Database, driver_sql: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _fill_without_statistics(database)
    if not driver_sql:
        monkeypatch.setattr(batch_lookup, "stored_or_voided_sql", lambda connection, count: None)
    async with database.read_session() as session:
        connection = await session.connection()
        plain = (
            await connection.exec_driver_sql("SELECT statement_id FROM statements WHERE pk = 100")
        ).scalar_one()
        targets = [
            row[0] for row in await connection.exec_driver_sql("SELECT target_id FROM statement_refs")
        ][:2]
        unknown = str(uuid.uuid4())
        found = await connection.run_sync(
            lambda sync: batch_lookup.look_up_batch(sync, [plain, unknown, *targets])
        )
    assert set(found.bodies) == {plain, *targets}  # the voided ones are stored too
    assert found.voided_by_stored == set(targets)
