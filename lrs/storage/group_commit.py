"""Group commit for the SQLite writer: concurrent write transactions share one COMMIT.

SQLite has one writer. Run one request's transaction at a time and each pays for BEGIN, COMMIT and
the WAL's bookkeeping on its own; here the requests waiting while a transaction runs go together in
the next one, each inside its own SAVEPOINT. A request whose work raises is rolled back to its
savepoint and gets its error; the others commit together, and none is answered before its COMMIT
has returned, so an acknowledged write is exactly as durable as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection

from lrs.storage.checkpoints import WalCheckpointer
from lrs.storage.known_ids import KnownIds

# Enough to amortise COMMIT over a burst of clients, small enough that one group stays short.
MAX_GROUP = 16

Work = Callable[[Connection], Any]
Turn = Callable[[], contextlib.AbstractAsyncContextManager[None]]


@dataclass
class _Pending:
    work: Work
    future: asyncio.Future[Any]


@dataclass
class _Outcome:
    result: Any = None
    error: BaseException | None = None


@dataclass
class GroupWriter:
    """Queues write transactions and runs them in groups on `engine`, one group at a time, each group
    in one worker-thread hop while holding the process's writer turn."""

    engine: Engine
    known: KnownIds
    turn: Turn
    queue: list[_Pending] = field(default_factory=list)
    runner: asyncio.Task[None] | None = None
    process_lock: ProcessLock | None = None
    checkpointer: WalCheckpointer | None = None

    def __post_init__(self) -> None:
        path = self.engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            self.process_lock = ProcessLock(f"{path}-writer.lock")
            self.checkpointer = WalCheckpointer(path)
            event.listen(self.engine, "connect", _no_automatic_checkpoints)

    async def run(self, work: Work) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.queue.append(_Pending(work, future))
        if self.checkpointer is not None:
            self.checkpointer.start()
        if self.runner is None or self.runner.done():
            self.runner = asyncio.create_task(self._drain())
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # A thread cannot be stopped: the caller learns of its cancellation only once its
            # work has committed or rolled back with the rest of its group.
            await asyncio.wait([future])
            raise

    async def _drain(self) -> None:
        while self.queue:
            group, self.queue = self.queue[:MAX_GROUP], self.queue[MAX_GROUP:]
            try:
                async with self.turn():
                    outcomes = await self._run_in_thread(group)
            except BaseException as err:  # the turn timed out, or the group itself failed
                outcomes = [_Outcome(error=err)] * len(group)
            for pending, outcome in zip(group, outcomes, strict=True):
                _settle(pending.future, outcome)

    async def _run_in_thread(self, group: list[_Pending]) -> list[_Outcome]:
        works = [pending.work for pending in group]
        done = asyncio.ensure_future(asyncio.to_thread(self._run_locked, works))
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # A thread cannot be stopped: keep the writer's turn until its transaction ends.
            await asyncio.wait([done])
            raise

    def _run_locked(self, works: list[Work]) -> list[_Outcome]:
        if self.process_lock is None or self.checkpointer is None:
            return run_group(self.engine, self.known, works)
        with self.process_lock.held():
            self.checkpointer.bound(self.engine)
            return run_group(self.engine, self.known, works)

    async def close(self) -> None:
        if self.runner is not None:
            with contextlib.suppress(BaseException):
                await self.runner
        if self.process_lock is not None:
            self.process_lock.close()
        if self.checkpointer is not None:
            await asyncio.to_thread(self.checkpointer.stop)


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    # The checkpointer thread and the writer's bound take over (lrs.storage.checkpoints).
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class ProcessLock:
    """An exclusive lock on a file beside the database, taken around each group by the server
    processes sharing the file. SQLite's own busy handler makes a waiting writer sleep and poll (up
    to 100 ms a time); a waiter on this lock is woken by the kernel the moment it is free. SQLite's
    locking still guards everything else that writes (the CLI, async write sessions)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.descriptor: int | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if self.descriptor is None:
            self.descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self.descriptor, fcntl.LOCK_UN)

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None


def _settle(future: asyncio.Future[Any], outcome: _Outcome) -> None:
    if future.done():
        return
    if outcome.error is not None:
        future.set_exception(outcome.error)
    else:
        future.set_result(outcome.result)


def run_group(engine: Engine, known: KnownIds, works: list[Work]) -> list[_Outcome]:
    """One transaction, one savepoint per work. Ids the works learn are remembered only if the
    transaction commits: rolled back rows' ids would otherwise be handed out to later writes."""
    outcomes: list[_Outcome] = []
    known.hold()
    try:
        with engine.begin() as connection:
            for work in works:
                outcomes.append(_run_in_savepoint(connection, work))
    except BaseException:
        known.release(committed=False)
        raise
    known.release(committed=True)
    return outcomes


def _run_in_savepoint(connection: Connection, work: Work) -> _Outcome:
    savepoint = connection.begin_nested()
    try:
        result = work(connection)
    except Exception as err:
        savepoint.rollback()
        return _Outcome(error=err)
    savepoint.commit()
    return _Outcome(result=result)
