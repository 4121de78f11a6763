"""Worker drain benchmark for the programme workload, with the worker `lrs worker` runs (issue 14).

A fresh store gets the shipped Learn, Adapt, Lead programme with `--learners` enrolled in its first
cohort (as `bench.pipeline` prepares it); the worker, built like `lrs worker` (progress projection,
notification planner and weekly planner on its bus; the sender left out unless `--sender`), drains
the start-up's events (programme saved, enrolments, the sessions already over). Then `--statements`
of those learners' module statements are stored through the storage layer, in batches of 100, and
the worker drains them and the events they cause. For each phase it prints the events handled, the
wall time, the worker's CPU per event and, on PostgreSQL, the CPU of the database's server
processes per event (read from /proc: the server runs on this machine), and events/s by wall time
and by CPU (worker plus server): the honest figure on a loaded machine.

    .venv/bin/python -m bench.drain --database sqlite --learners 500 --statements 10000
    .venv/bin/python -m bench.drain --database postgres --profile /tmp/drain.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import event, func, select, text

from bench.lrs_process import fresh_database, tree_cpu_seconds
from bench.pipeline import prepare
from lrs.clock import utc_now
from lrs.events.worker import OutboxWorker
from lrs.progress.install import arm_all_session_timers, event_worker
from lrs.settings import Settings
from lrs.statement_service import record_statements, system_writer
from lrs.storage.engine import Database, open_database
from lrs.storage.models import OutboxEvent
from notifications.install import notification_engine


@dataclass(frozen=True)
class Phase:
    name: str
    events: int
    wall: float
    worker_cpu: float
    server_cpu: float | None
    sql: int = 0  # SQL statements the worker sent
    main_cpu: float = 0.0  # of `worker_cpu`, the event loop's thread (the rest: aiosqlite's thread)

    def line(self, kind: str) -> str:
        per_event = self.worker_cpu / max(self.events, 1)
        server = "n/a" if self.server_cpu is None else f"{self.server_cpu / max(self.events, 1) * 1e6:.0f}us"
        cpu = self.worker_cpu + (self.server_cpu or 0.0)
        return (
            f"{kind:<9} {self.name:<10} events={self.events} wall={self.wall:.1f}s "
            f"events/s={self.events / self.wall:.0f} worker_cpu={per_event * 1e6:.0f}us/event "
            f"(main thread {self.main_cpu / max(self.events, 1) * 1e6:.0f}us) "
            f"server_cpu={server}/event events/cpu_s={self.events / cpu if cpu else 0:.0f} "
            f"sql/event={self.sql / max(self.events, 1):.2f}"
        )


class _StatementCounter:
    """Counts the SQL statements sent on the database's engines while it listens."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        self.engines = {database.writer.sync_engine, database.reader.sync_engine}
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1

    def stop(self) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._seen)


async def server_pids(database: Database) -> list[int]:
    """The PostgreSQL backends serving this database (the worker's pool), for their CPU time."""
    if database.is_sqlite:
        return []
    async with database.read_session() as session:
        found = await session.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        )
        return list(found)


async def events_processed(database: Database) -> int:
    async with database.read_session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_not(None))
        )
    return int(count or 0)


async def measure(
    name: str, database: Database, work: Callable[[], Awaitable[int]], profiler: cProfile.Profile | None
) -> Phase:
    before = await events_processed(database)
    server_before = {pid: tree_cpu_seconds(pid) or 0.0 for pid in await server_pids(database)}
    statements = _StatementCounter(database)
    cpu, wall, main = time.process_time(), time.perf_counter(), time.thread_time()
    if profiler is not None:
        profiler.enable()
    await work()
    if profiler is not None:
        profiler.disable()
    wall, cpu, main = time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - main
    server = None
    if not database.is_sqlite:  # backends that went away meanwhile are not counted
        after = {pid: tree_cpu_seconds(pid) or 0.0 for pid in await server_pids(database)}
        server = sum(value - server_before.get(pid, 0.0) for pid, value in after.items())
    statements.stop()
    events = await events_processed(database) - before
    return Phase(name, events, wall, cpu, server, statements.count, main)


async def store_statements(database: Database, statements: list[list[dict[str, object]]]) -> None:
    writer = system_writer("http://bench")
    for batch in statements:
        await record_statements(database, batch, writer=writer, clock=utc_now, version="1.0.3")


async def run(args: argparse.Namespace, workdir: Path) -> None:
    profiler = cProfile.Profile() if args.profile else None
    async with fresh_database(args.database, workdir) as url:
        database = open_database(url)
        try:
            factory = await prepare(database, args.learners)
            batches = [json.loads(json.dumps(factory.batch(100))) for _ in range(args.statements // 100)]
            settings = replace(Settings(), database_url=url, public_url="http://bench")
            os.chdir(workdir)  # the hash key file and any local channel output live in the scratch folder
            await arm_all_session_timers(database, settings.base_url)
            async with notification_engine(settings, database, clock=utc_now) as engine:
                steps = engine.steps if args.sender else ()
                worker = event_worker(
                    settings, database, clock=utc_now, listeners=engine.listeners, extra_steps=steps
                )
                await drain_and_print(args, database, worker, batches, profiler)
        finally:
            await database.dispose()
    if profiler is not None:
        profiler.dump_stats(args.profile)


async def drain_and_print(
    args: argparse.Namespace,
    database: Database,
    worker: OutboxWorker,
    batches: list[list[dict[str, object]]],
    profiler: cProfile.Profile | None,
) -> None:
    startup = await measure("start-up", database, worker.run_until_idle, None)
    print(startup.line(args.database), flush=True)
    await store_statements(database, batches)
    statements = await measure("statements", database, worker.run_until_idle, profiler)
    print(statements.line(args.database), flush=True)
    total = Phase(
        "total",
        startup.events + statements.events,
        startup.wall + statements.wall,
        startup.worker_cpu + statements.worker_cpu,
        None
        if startup.server_cpu is None or statements.server_cpu is None
        else startup.server_cpu + statements.server_cpu,
        startup.sql + statements.sql,
    )
    print(total.line(args.database), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--sender", action="store_true", help="run the notification sender too")
    parser.add_argument("--profile", help="write a cProfile of the statements' drain to this file")
    args = parser.parse_args()
    os.environ.setdefault("LRS_LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory(prefix="drain_bench_") as workdir:
        asyncio.run(run(args, Path(workdir)))


if __name__ == "__main__":
    main()
