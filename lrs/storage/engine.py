"""Engines chosen by URL scheme: an embedded SQLite file by default, PostgreSQL (asyncpg) at scale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from lrs.storage.agents import KnownIds


@dataclass(frozen=True)
class Database:
    """Where sessions come from. On SQLite writes go through one connection (one writer at a time,
    taken with BEGIN IMMEDIATE) while reads use a pool; on PostgreSQL both are the same pool."""

    url: str
    reader: AsyncEngine
    writer: AsyncEngine
    read_session: async_sessionmaker[AsyncSession]
    write_session: async_sessionmaker[AsyncSession]
    known_ids: KnownIds = field(default_factory=KnownIds)

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


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
        writer = _sqlite_engine(parsed, pool_size=1, immediate=True)
        reader = _sqlite_engine(parsed, pool_size=pool_size, immediate=False)
        return _database(url, reader, writer)
    engine = create_async_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return _database(url, engine, engine)


def _database(url: str, reader: AsyncEngine, writer: AsyncEngine) -> Database:
    return Database(
        url,
        reader=reader,
        writer=writer,
        read_session=async_sessionmaker(reader, expire_on_commit=False),
        write_session=async_sessionmaker(writer, expire_on_commit=False),
    )


def _sqlite_engine(url: URL, *, pool_size: int, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        connect_args={"timeout": 30, "isolation_level": None},
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=120,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _begin_immediate if immediate else _begin_deferred)
    return engine


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
