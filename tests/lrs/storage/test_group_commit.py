"""Group commit on SQLite: waiting write transactions share one COMMIT, each in its own savepoint."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.engine import Connection

from lrs.storage.engine import Database
from lrs.storage.group_commit import MAX_GROUP, run_group
from lrs.storage.known_ids import KnownIds
from lrs.storage.models import LrsMeta
from tests.lrs.storage.meta_rows import keys, put


def _count_commits(database: Database) -> list[int]:
    assert database.sync_writer is not None
    commits = [0]

    def counted(_connection: Any) -> None:
        commits[0] += 1

    event.listen(database.sync_writer, "commit", counted)
    return commits


async def _blocked_first_write(database: Database) -> tuple[asyncio.Task[str], threading.Event]:
    """A first write whose transaction is running (in its thread) until the event is set."""
    started, release = threading.Event(), threading.Event()

    def slow(connection: Connection) -> str:
        connection.execute(insert(LrsMeta).values(key="g-first", value="v"))
        started.set()
        release.wait(10)
        return "g-first"

    first = asyncio.create_task(database.write_transaction(slow))
    await asyncio.to_thread(started.wait, 10)
    return first, release


async def test_writes_that_wait_share_one_commit(sqlite_database: Database) -> None:
    commits = _count_commits(sqlite_database)
    first, release = await _blocked_first_write(sqlite_database)
    waiting = [asyncio.create_task(sqlite_database.write_transaction(put(f"g-{n}"))) for n in range(8)]
    await asyncio.sleep(0.1)
    release.set()
    assert await first == "g-first"
    assert await asyncio.gather(*waiting) == [f"g-{n}" for n in range(8)]
    assert commits[0] == 2  # the first alone, then the eight that queued behind it together
    assert await keys(sqlite_database, "g-") == {"g-first", *(f"g-{n}" for n in range(8))}


async def test_a_failing_write_rolls_back_alone_and_gets_its_error(sqlite_database: Database) -> None:
    def fail(connection: Connection) -> None:
        connection.execute(insert(LrsMeta).values(key="g-failed", value="v"))
        raise ValueError("this batch is refused")

    first, release = await _blocked_first_write(sqlite_database)
    kept_before = asyncio.create_task(sqlite_database.write_transaction(put("g-before")))
    failing = asyncio.create_task(sqlite_database.write_transaction(fail))
    kept_after = asyncio.create_task(sqlite_database.write_transaction(put("g-after")))
    await asyncio.sleep(0.1)
    release.set()
    await first
    with pytest.raises(ValueError, match="refused"):
        await failing
    assert (await kept_before, await kept_after) == ("g-before", "g-after")
    assert await keys(sqlite_database, "g-") == {"g-first", "g-before", "g-after"}


async def test_a_long_queue_is_split_into_bounded_groups(sqlite_database: Database) -> None:
    commits = _count_commits(sqlite_database)
    first, release = await _blocked_first_write(sqlite_database)
    count = MAX_GROUP * 2 + 1
    waiting = [asyncio.create_task(sqlite_database.write_transaction(put(f"g-{n}"))) for n in range(count)]
    await asyncio.sleep(0.1)
    release.set()
    await asyncio.gather(first, *waiting)
    assert commits[0] == 1 + 3
    assert len(await keys(sqlite_database, "g-")) == count + 1


class _Abandon(BaseException):
    """Not an Exception: stands for what aborts a whole group (the thread's transaction fails)."""


async def test_ids_learnt_in_a_group_are_remembered_only_when_it_commits(sqlite_database: Database) -> None:
    assert sqlite_database.sync_writer is not None
    known = KnownIds()

    def learn(value: int) -> Callable[[Connection], None]:
        def work(_connection: Connection) -> None:
            known.remember(known.persons, {f"mailto:{value}@example.org": value})

        return work

    def abandon(_connection: Connection) -> None:
        raise _Abandon

    with pytest.raises(_Abandon):
        run_group(sqlite_database.sync_writer, known, [learn(1), abandon])
    assert known.persons == {}
    run_group(sqlite_database.sync_writer, known, [learn(2)])
    assert known.persons == {"mailto:2@example.org": 2}


async def test_server_processes_sharing_a_file_take_turns_on_its_writer_lock(
    sqlite_database: Database,
) -> None:
    """Another process holding the writer lock keeps this one's group waiting until it lets go."""
    group_writer = sqlite_database.group_writer
    assert group_writer is not None and group_writer.process_lock is not None
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _HOLD_LOCK,
        group_writer.process_lock.path,
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdout is not None
    assert await holder.stdout.readline() == b"held\n"
    write = asyncio.create_task(sqlite_database.write_transaction(put("g-waited")))
    await asyncio.sleep(0.3)
    assert not write.done()
    await holder.communicate()
    assert await asyncio.wait_for(write, 10) == "g-waited"


_HOLD_LOCK = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(0.8)
"""
