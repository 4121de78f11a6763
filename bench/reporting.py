"""Completions export benchmark: N learners x 12 items (the shipped apprenticeship programme's 4
modules, 7 of its sessions and the programme record) of one cohort in a fresh SQLite store, exported
as CSV (lrs.reporting.csv_lines) and as XLSX (lrs.reporting.flat and openpyxl) through the same code
as GET /api/v1/completions. Each export runs in its own process, so its peak RSS is
the export's alone. Prints wall time, CPU time, rows/s, peak RSS and the load average (the machine
may be shared: CPU time is the steadier figure). On PostgreSQL the server's own CPU time (its
backends serving the export) is printed as well, since it runs outside the exporting process.

    .venv/bin/python -m bench.reporting --learners 100000 [--formats csv,xlsx] [--database both]

`--store URL` measures an existing store instead of a fresh one (seeding it first when it has no
learners, and leaving it in place afterwards), so repeated runs skip the few minutes of seeding.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bench.lrs_process import fresh_database, pids_cpu_seconds
from lrs.programme.loader import load_programme_file
from lrs.programme.store import save_programme
from lrs.reporting.csv_lines import csv_pass
from lrs.reporting.export import CSV_PLAIN, csv_header
from lrs.reporting.filters import CompletionFilters
from lrs.reporting.flat import flat_pass
from lrs.reporting.xlsx import write_xlsx
from lrs.storage.engine import Database, open_database
from lrs.storage.programme_models import EnrolmentRow, LearnerRow, OrganisationRow
from lrs.storage.progress_models import ProgressRecord
from lrs.storage.schema import migrate

# The shipped apprenticeship-funded programme (it counts off-the-job hours): its 4 modules, 7 of its
# sessions and the programme itself make the 12 items.
PROGRAMME = load_programme_file(
    Path(__file__).resolve().parents[1] / "config/programmes/place-directors-academy.toml"
)
COHORT = PROGRAMME.cohorts[0].id
ITEMS = [("module", module.id) for module in PROGRAMME.modules]
ITEMS += [("session", session.id) for session in PROGRAMME.sessions[: 11 - len(ITEMS)]]
ITEMS.append(("programme", PROGRAMME.id))
_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def seed(url: str, learners: int) -> bool:
    """Seed the store; False when it already had learners (a kept store, --store) and was left as is."""
    database = open_database(url)
    try:
        await migrate(database)
        async with database.read_session() as session:
            if await session.scalar(select(func.count()).select_from(LearnerRow)):
                return False
        async with database.write_session() as session, session.begin():
            await session.execute(
                insert(OrganisationRow),
                [{"id": f"org{n}", "name": f"Council {n}", "sector": "council"} for n in range(50)],
            )
            await save_programme(session, PROGRAMME, source="bench", now=_AT)
            for start in range(0, learners, 5000):
                people = range(start, min(start + 5000, learners))
                await session.execute(insert(LearnerRow), [_learner(n) for n in people])
                await session.execute(insert(EnrolmentRow), [_enrolment(n + 1) for n in people])
                await session.execute(
                    insert(ProgressRecord),
                    [_progress(n + 1, kind, item) for n in people for kind, item in ITEMS],
                )
        if not database.is_sqlite:  # planner statistics, as autovacuum would gather them (it may be off)
            async with database.write_session() as session, session.begin():
                await session.execute(text("ANALYZE"))
        return True
    finally:
        await database.dispose()


def _learner(n: int) -> dict[str, object]:
    email = f"learner{n}@council{n % 50}.gov.uk"
    return {
        "name": f"Learner {n}",
        "email": email,
        "email_key": email,
        "employee_number": f"E{n:07d}",
        "organisation_id": f"org{n % 50}",
        "role": "Head of Service",
        "created_at": _AT,
        "updated_at": _AT,
    }


def _enrolment(learner_id: int) -> dict[str, object]:
    return {
        "learner_id": learner_id,
        "cohort_id": COHORT,
        "status": "enrolled",
        "enrolled_at": _AT - timedelta(days=7, seconds=learner_id),
        "registration": f"00000000-0000-4000-8000-{learner_id:012d}",
    }


def _progress(learner_id: int, kind: str, item: str) -> dict[str, object]:
    done = learner_id % 3 != 0
    at = _AT + timedelta(seconds=learner_id, microseconds=learner_id % 997)
    return {
        "programme_id": PROGRAMME.id,
        "cohort_id": COHORT,
        "learner_id": learner_id,
        "item_kind": kind,
        "item_id": item,
        "status": ("attended" if done else "absent") if kind == "session" else _module_status(done),
        "first_activity_at": at,
        "last_activity_at": at,
        "completed_at": at if done else None,
        "satisfied_at": at if done else None,
        "score_scaled": 0.8 if done else None,
        "time_spent_ms": 1_500_000,
    }


def _module_status(done: bool) -> str:
    return "completed" if done else "in_progress"


async def export(url: str, chosen: str, out: Path) -> tuple[int, float | None]:
    """The rows written, and on PostgreSQL the CPU seconds its backends spent serving them."""
    database = open_database(url)
    try:
        if chosen == "xlsx":
            count = await write_xlsx(flat_pass(database, CompletionFilters()), out)
        else:
            count = 0
            with out.open("wb") as stream:  # encoded and written a page at a time, as the HTTP response is
                stream.write(csv_header(CSV_PLAIN).encode())
                async for lines, records in csv_pass(database, CompletionFilters(), CSV_PLAIN):
                    stream.write(lines.encode())
                    count += records
        return count, await _server_cpu(database) if not database.is_sqlite else None
    finally:
        await database.dispose()


async def _server_cpu(database: Database) -> float | None:
    """CPU time of the PostgreSQL backends connected to this database (all opened by this export)."""
    async with database.read_session() as session:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [int(pid) for pid in (await session.execute(query)).scalars()]
    return pids_cpu_seconds(pids)


def _export_child(url: str, chosen: str, out: Path) -> None:
    started, cpu_started = time.perf_counter(), time.process_time()
    rows, server_cpu = asyncio.run(export(url, chosen, out))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = out.stat().st_size / 1e6
    out.unlink()  # hundreds of MB at full size: not left behind in /tmp
    out.parent.rmdir()
    server = "" if server_cpu is None else f", PostgreSQL CPU {server_cpu:.1f} s"
    print(
        f"{chosen}: {rows} rows in {seconds:.1f} s (CPU {cpu:.1f} s{server}), {rows / seconds:,.0f} rows/s,"
        f" peak RSS {peak_mb:.0f} MB, file {size_mb:.0f} MB, load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--store", help="an existing store's URL: seeded if empty, kept afterwards")
    parser.add_argument("--export", choices=("csv", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        _export_child(args.url, args.export, Path(tempfile.mkdtemp()) / f"out.{args.export}")
        return
    formats = [name for name in ("csv", "xlsx") if name in args.formats.split(",")]
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    for kind in kinds if args.store is None else ("store",):
        asyncio.run(_seeded(kind, args.store, args.learners, formats))


async def _seeded(kind: str, store: str | None, learners: int, formats: list[str]) -> None:
    async with _store(kind, store) as url:
        started = time.perf_counter()
        if await seed(url, learners):
            seconds = time.perf_counter() - started
            print(f"{kind}: seeded {learners} learners x {len(ITEMS)} items in {seconds:.1f} s")
        else:
            print(f"{kind}: measuring the store as it is (it has learners already)")
        sys.stdout.flush()
        for chosen in formats:
            command = [sys.executable, "-m", "bench.reporting", "--export", chosen, "--url", url]
            await asyncio.to_thread(subprocess.run, command, check=True)


@contextlib.asynccontextmanager
async def _store(kind: str, store: str | None) -> AsyncIterator[str]:
    if store is not None:
        yield store
        return
    with tempfile.TemporaryDirectory() as directory:
        async with fresh_database(kind, Path(directory)) as url:
            yield url


if __name__ == "__main__":
    main()
