"""Engines chosen by URL scheme: an embedded SQLite file by default, PostgreSQL (asyncpg) at scale."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from lrs.storage.group_commit import GroupWriter
from lrs.storage.known_ids import KnownIds

T = TypeVar("T")

WRITER_CACHE_KIB = 64 * 1024
WRITER_MMAP_BYTES = 256 * 1024 * 1024
# How long a writer waits for its turn before giving up (what the single-connection pool allowed).
_WRITER_TURN_TIMEOUT = 120.0


@dataclass(frozen=True)
class Database:
    """Where sessions come from. On SQLite writes go through one writer at a time (taken with BEGIN
    IMMEDIATE) while reads use a pool; on PostgreSQL both are the same pool.

    SQLite also has a synchronous writer engine: `write_transaction` runs whole transactions on it,
    grouped under one COMMIT (`lrs.storage.group_commit`), in one worker-thread hop per group instead
    of one aiosqlite hop per cursor call. It and `write_session` take turns through `writer_turn`, so
    the process still has one writer at a time (SQLite's busy timeout stays the safety net against
    other processes)."""

    url: str
    reader: AsyncEngine
    writer: AsyncEngine
    read_session: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    sync_writer: Engine | None = None
    known_ids: KnownIds = field(default_factory=KnownIds)
    writer_turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    group_writer: GroupWriter | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.sync_writer is not None:
            group_writer = GroupWriter(self.sync_writer, self.known_ids, self._turn)
            object.__setattr__(self, "group_writer", group_writer)  # frozen: set once, here

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    @contextlib.asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """A session on the writer (`async with db.write_session() as s, s.begin(): ...`)."""
        async with self._turn(), self.write_sessions() as session:
            yield session

    async def write_transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in a write transaction (committed when it returns, rolled back when it raises)
        and return its result once committed. On SQLite concurrent calls share one COMMIT, each
        inside its own savepoint, in a worker thread."""
        if self.group_writer is None:
            async with self._turn(), self.writer.begin() as connection:
                return await connection.run_sync(work)
        result: T = await self.group_writer.run(work)
        return result

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if not self.is_sqlite:
            yield  # PostgreSQL takes row locks; writers run side by side
            return
        async with asyncio.timeout(_WRITER_TURN_TIMEOUT):
            await self.writer_turn.acquire()
        try:
            yield
        finally:
            self.writer_turn.release()

    async def dispose(self) -> None:
        if self.group_writer is not None:
            await self.group_writer.close()
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
        if self.sync_writer is not None:
            self.sync_writer.dispose()


def normalise_url(url: str) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.drivername == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql" and parsed.drivername in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg")
    if backend not in {"sqlite", "postgresql"}:
        raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}: use sqlite or postgresql")
    return parsed


def open_database(url: str, *, pool_size: int = 10) -> Database:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        _make_parent_folder(parsed)
        writer = _sqlite_engine(parsed, pool_size=1, immediate=True)
        reader = _sqlite_engine(parsed, pool_size=pool_size, immediate=False)
        return _database(url, reader, writer, _sqlite_sync_writer(parsed))
    engine = create_async_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return _database(url, engine, engine, None)


def database_in_use(database: Database) -> str:
    """The database a command writes to, for a line on stderr (no password)."""
    return f"database: {database.writer.url.render_as_string(hide_password=True)}"


def _make_parent_folder(url: URL) -> None:
    """The default file is var/cohort-lrs.db: create var/ on first use rather than fail."""
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _database(url: str, reader: AsyncEngine, writer: AsyncEngine, sync_writer: Engine | None) -> Database:
    return Database(
        url,
        reader=reader,
        writer=writer,
        read_session=async_sessionmaker(reader, expire_on_commit=False),
        write_sessions=async_sessionmaker(writer, expire_on_commit=False),
        sync_writer=sync_writer,
    )


def _sqlite_engine(url: URL, *, pool_size: int, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        connect_args={"timeout": 30, "isolation_level": None},
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=120,
    )
    _listen_sqlite(engine.sync_engine, immediate=immediate)
    return engine


def _sqlite_sync_writer(url: URL) -> Engine:
    """The same file through the standard library driver: one connection, used by one worker thread
    at a time (hence no same-thread check)."""
    engine = create_engine(
        url.set(drivername="sqlite+pysqlite"),
        connect_args={"timeout": 30, "isolation_level": None, "check_same_thread": False},
        pool_size=1,
        max_overflow=0,
        pool_timeout=120,
    )
    _listen_sqlite(engine, immediate=True)
    event.listen(engine, "connect", _writer_pragmas)
    return engine


def _writer_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Every batch touches pages all over the statement and index B-trees: with SQLite's 2 MB default
    # cache most come back through a read() system call per page; a larger cache and a memory map
    # keep them in reach (measured: fewer instructions and kernel time per statement).
    dbapi_connection.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
    dbapi_connection.execute(f"PRAGMA mmap_size={WRITER_MMAP_BYTES}")


def _listen_sqlite(engine: Engine, *, immediate: bool) -> None:
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_immediate if immediate else _begin_deferred)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # The write lock is taken at BEGIN: a deferred transaction that upgrades to a writer later can
    # fail with SQLITE_BUSY whatever the busy timeout, while IMMEDIATE simply waits its turn.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")
