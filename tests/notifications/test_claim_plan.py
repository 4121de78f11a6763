"""The sender's claim is a range read of the due index in (due_at, id) order, with no sort, however
many messages are due and whether or not the table has statistics (a flood of invitations made
PostgreSQL sort every due row for each claim of 500)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.claims import claim_due, due_messages, read_in_index_order

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def flood(database: Database, count: int) -> None:
    rows = [
        {
            "key": f"session_invite:c1:learner-{n}:s{n % 7}",
            "rule": "session_invite",
            "category": "invitation",
            "programme_id": "p",
            "cohort_id": "c1",
            "learner_id": n,
            "occurrence": f"s{n % 7}",
            "due_at": NOW - timedelta(minutes=n % 50),
            "state": "planned",
            "context": "{}",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n in range(count)
    ]
    async with database.write_session() as session, session.begin():
        await session.execute(insert(PlannedMessage), rows)


async def claim_plan(database: Database) -> str:
    query = due_messages(NOW, 500).with_for_update(skip_locked=True)
    async with database.write_session() as session, session.begin():
        await read_in_index_order(session)
        compiled = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
        return "\n".join(str(row[-1]) for row in await session.execute(text(prefix + str(compiled))))


async def test_a_claim_in_a_flood_reads_the_due_index_without_sorting(database: Database) -> None:
    await flood(database, 20_000)  # no ANALYZE
    plan = await claim_plan(database)
    # SQLite's (state, due_at) index ends in the rowid, so it serves the order as well.
    wanted = "ix_planned_messages_" if database.is_sqlite else "Index Scan using ix_planned_messages_claim"
    assert wanted in plan and "SCAN planned_messages" not in plan, plan
    assert "TEMP B-TREE" not in plan.upper() and "Sort" not in plan, plan
    first = await claim_due(database, NOW, lease=timedelta(minutes=15), limit=500)
    second = await claim_due(database, NOW, lease=timedelta(minutes=15), limit=500)
    assert len(first) == len(second) == 500 and not set(first) & set(second)
