"""WAL checkpoints run beside the SQLite writer, and the WAL stays bounded under sustained writes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from lrs.storage.checkpoints import WalCheckpointer
from lrs.storage.engine import Database
from lrs.storage.models import LrsMeta


def _checkpointer(database: Database) -> WalCheckpointer:
    assert database.group_writer is not None and database.group_writer.checkpointer is not None
    return database.group_writer.checkpointer


def _put_many(prefix: str, count: int) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        rows = [{"key": f"{prefix}-{n}", "value": "x" * 2000} for n in range(count)]
        connection.execute(insert(LrsMeta), rows)

    return work


async def test_the_writer_leaves_checkpoints_to_the_checkpointer(sqlite_database: Database) -> None:
    assert sqlite_database.sync_writer is not None
    with sqlite_database.sync_writer.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0


async def test_the_checkpointer_copies_the_wal_while_nothing_waits(sqlite_database: Database) -> None:
    checkpointer = _checkpointer(sqlite_database)
    await sqlite_database.write_transaction(_put_many("c", 200))
    assert checkpointer.wal_bytes() > 0
    await asyncio.sleep(checkpointer.interval * 4)
    path = sqlite_database.sync_writer.url.database if sqlite_database.sync_writer else None
    assert path is not None
    probe = sqlite3.connect(path)
    try:
        # A passive checkpoint reports (busy, frames in the WAL, frames already copied).
        _busy, frames, copied = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        probe.close()
    assert frames > 0 and copied == frames


async def test_sustained_writes_keep_the_wal_bounded(sqlite_database: Database) -> None:
    checkpointer = _checkpointer(sqlite_database)
    checkpointer.restart_bytes = 512 * 1024
    largest = 0
    for group in range(40):
        await sqlite_database.write_transaction(_put_many(f"s{group}", 100))  # ~250 KB a group
        largest = max(largest, checkpointer.wal_bytes())
    # Without the writer's restart the WAL only grows (about 10 MB here); with it, it stays near
    # the bound plus one group.
    assert largest < checkpointer.restart_bytes + 1024 * 1024
