"""Database: on SQLite the thread-run write transactions and the async write sessions take turns."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from lrs.storage.engine import WRITER_CACHE_KIB, WRITER_MMAP_BYTES, Database, open_database
from lrs.storage.models import LrsMeta
from lrs.storage.schema import migrate
from tests.databases import database_url_for
from tests.lrs.storage.meta_rows import keys, put


async def test_write_transaction_commits_or_rolls_back(database: Database) -> None:
    def fail(connection: Connection) -> None:
        connection.execute(insert(LrsMeta).values(key="t-failed", value="v"))
        raise ValueError("no")

    assert await database.write_transaction(put("t-kept")) == "t-kept"
    with pytest.raises(ValueError):
        await database.write_transaction(fail)
    assert await keys(database, "t-") == {"t-kept"}


async def test_sqlite_writes_run_on_the_sync_writer_one_at_a_time(sqlite_database: Database) -> None:
    database = sqlite_database
    assert database.sync_writer is not None
    async with database.write_session() as session, session.begin():
        await session.execute(insert(LrsMeta).values(key="t-async", value="v"))
        waiting = asyncio.create_task(database.write_transaction(put("t-thread")))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # it waits for its turn rather than for SQLite's busy timeout
    await asyncio.wait_for(waiting, 10)
    assert await keys(database, "t-") == {"t-async", "t-thread"}


async def test_a_cancelled_write_keeps_the_turn_until_its_thread_ends(sqlite_database: Database) -> None:
    database = sqlite_database
    release = threading.Event()
    started = threading.Event()

    def slow(connection: Connection) -> None:
        connection.execute(insert(LrsMeta).values(key="t-slow", value="v"))
        started.set()
        release.wait(10)

    task = asyncio.create_task(database.write_transaction(slow))
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    await asyncio.sleep(0.1)
    assert database.writer_turn.locked() and not task.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not database.writer_turn.locked()
    assert await keys(database, "t-") == {"t-slow"}  # the thread's transaction still ran to its end


@pytest.mark.postgres
async def test_postgresql_writers_do_not_wait_for_each_other(tmp_path: Path) -> None:
    async with database_url_for("postgres", tmp_path) as url:
        database = open_database(url)
        try:
            await migrate(database)
            await _write_side_by_side(database)
        finally:
            await database.dispose()


async def _write_side_by_side(database: Database) -> None:
    assert database.sync_writer is None
    async with database.write_session() as session, session.begin():
        await session.execute(insert(LrsMeta).values(key="t-open", value="v"))
        await asyncio.wait_for(database.write_transaction(put("t-other")), 10)
    async with database.read_session() as session:
        count = await session.scalar(select(func.count()).select_from(LrsMeta).where(LrsMeta.key.like("t-%")))
    assert count == 2


async def test_the_sqlite_writer_keeps_its_pages_in_reach(sqlite_database: Database) -> None:
    assert sqlite_database.sync_writer is not None
    with sqlite_database.sync_writer.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -WRITER_CACHE_KIB
        assert connection.exec_driver_sql("PRAGMA mmap_size").scalar() == WRITER_MMAP_BYTES
