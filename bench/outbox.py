"""Outbox drain benchmark: how fast the worker turns stored statements into progress.

A fresh store gets a programme whose six modules are the benchmark statements' activities and a cohort
of enrolled learners (by default every learner the statements name), then N realistic statements
through the storage layer. The worker (progress projection on its bus, as `lrs worker` runs it) then
drains the outbox; the figure is events/s and the worker's CPU per event.

    .venv/bin/python -m bench.outbox --database both --statements 5000 [--enrolled 2000] [--burst 8]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.lrs_process import fresh_database
from bench.programme_statements import MODULES, StatementFactory
from lrs.clock import utc_now
from lrs.events.bus import EventBus
from lrs.events.worker import OutboxWorker
from lrs.programme.loader import parse_programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress.service import ProgressOptions, ProgressProjector
from lrs.statement_service import record_statements, system_writer
from lrs.storage.engine import Database, open_database
from lrs.storage.models import OutboxEvent
from lrs.storage.progress_models import ProgressRecord
from lrs.storage.schema import migrate


def bench_programme() -> dict[str, Any]:
    return {
        "programme": {"id": "bench", "title": "Benchmark programme"},
        "organisations": [{"id": "bench-council", "name": "Bench Council", "sector": "council"}],
        "cohorts": [{"id": "bench-1", "title": "Bench 1", "start": "2026-01-05", "end": "2026-12-31"}],
        "modules": [
            {
                "id": module,
                "activity": f"https://cohort-lrs.example/modules/{module}",
                "title": module.replace("-", " ").title(),
                "move_on": "CompletedOrPassed",
            }
            for module in MODULES
        ],
        "completion": {"modules": list(MODULES)},
    }


async def prepare(
    database: Database, factory: StatementFactory, enrolled: int, statements: int, burst: int = 1
) -> None:
    now = datetime.now(UTC)
    rows = [
        RosterRow(
            line=index + 2,
            name=f"Learner {index}",
            email=email,
            organisation="bench-council",
            role="Head of Service",
            cohort="bench-1",
        )
        for index, email in enumerate(factory.learners[:enrolled])
    ]
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(bench_programme()), source="bench", now=now)
        await import_roster(session, rows, now=now)
    writer = system_writer("http://bench")
    made = [factory.statement() for _ in range(statements)]
    for start in range(0, statements, burst):  # runs of `burst` statements by one learner
        first = made[start]
        for later in made[start + 1 : start + burst]:
            later["actor"], later["context"] = copy.deepcopy((first["actor"], first["context"]))
    for start in range(0, statements, 100):
        batch = made[start : start + 100]
        await record_statements(database, batch, writer=writer, clock=utc_now, version="1.0.3")


async def pending(database: Database) -> int:
    async with database.read_session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
        )
    return int(count or 0)


async def drain(database: Database) -> tuple[int, float, float]:
    """Run the worker until idle; return (events handled, wall seconds, CPU seconds)."""
    bus = EventBus()
    ProgressProjector(ProgressOptions(base_url="http://bench"), clock=utc_now).subscribe(bus)
    worker = OutboxWorker(database, bus, clock=utc_now)
    cpu, wall = time.process_time(), time.perf_counter()
    handled = await worker.run_until_idle()
    return handled, time.perf_counter() - wall, time.process_time() - cpu


async def run(kind: str, statements: int, enrolled: int, burst: int, workdir: Path) -> str:
    async with fresh_database(kind, workdir) as url:
        database = open_database(url)
        try:
            await migrate(database)
            factory = StatementFactory(seed=7)
            await prepare(database, factory, min(enrolled, len(factory.learners)), statements, burst)
            before = await pending(database)
            handled, wall, cpu = await drain(database)
            async with database.read_session() as session:
                records = await session.scalar(select(func.count()).select_from(ProgressRecord))
            left = await pending(database)
        finally:
            await database.dispose()
    return (
        f"{kind:<9} statements={statements} enrolled={enrolled} burst={burst} events={before} "
        f"handled={handled} left={left} progress_rows={records} wall={wall:.1f}s "
        f"events/s={handled / wall:.0f} worker_cpu={cpu * 1e3 / max(handled, 1):.2f}ms/event"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--enrolled", type=int, default=2000, help="learners on the roster (of 2,000)")
    parser.add_argument("--burst", type=int, default=1, help="statements in a row by one learner")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    os.environ.setdefault("LRS_LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory() as workdir:
        for kind in kinds:
            print(
                asyncio.run(run(kind, args.statements, args.enrolled, args.burst, Path(workdir))), flush=True
            )


if __name__ == "__main__":
    main()
