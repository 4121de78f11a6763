"""Pipeline benchmark: does the event pipeline keep pace with ingest? (issue 14)

A fresh store gets the shipped Learn, Adapt, Lead programme and a roster of enrolled learners; 8
clients POST batches of 100 of those learners' statements to `lrs serve`, with the worker the way
users run it: in the server on SQLite (the embedded default; `--worker none` runs none, to see what
the in-process worker's claims cost ingest), one or more separate `lrs worker` processes on
PostgreSQL. PostgreSQL tables have autovacuum off and are never analysed. Every `--every`
statements it prints the ingest rate, the backlog, the claim time, server and worker CPU per
statement and the lag; at the end the time to drain and the end-to-end rate (statements stored and
projected per second), and whether the run held backlog < 10,000 and lag p99 < 5 s. `--rate` paces
ingest (statements/s) to find the highest sustained rate that holds those limits.

    .venv/bin/python -m bench.pipeline --database sqlite --statements 200000
    .venv/bin/python -m bench.pipeline --database postgres --workers 2 --rate 2000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from bench.lrs_process import fresh_database, lrs_server, lrs_workers, pids_cpu_seconds, tree_cpu_seconds
from bench.programme_statements import EnrolledStatements
from lrs.clock import utc_now
from lrs.events.status import pipeline_status
from lrs.programme.loader import load_programme_file
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.progress.projection import cohort_start
from lrs.storage.engine import Database, open_database
from lrs.storage.schema import migrate

SHIPPED = Path(__file__).resolve().parents[1] / "config" / "programmes" / "learn-adapt-lead.toml"
MAX_BACKLOG, MAX_LAG_P99 = 10_000, 5.0


async def prepare(database: Database, learners: int) -> EnrolledStatements:
    """Migrate, store the shipped programme and enrol `learners` in its first cohort."""
    await migrate(database)
    programme = load_programme_file(SHIPPED)
    cohort = programme.cohorts[0]
    organisation = programme.organisations[0].id
    emails = [f"learner{n:05d}@council{n % 300:03d}.gov.uk" for n in range(learners)]
    rows = [
        RosterRow(
            line=n + 2,
            name=f"Learner {n}",
            email=email,
            organisation=organisation,
            role="Head of Service",
            cohort=cohort.id,
        )
        for n, email in enumerate(emails)
    ]
    async with database.write_session() as session, session.begin():
        await save_programme(session, programme, source="bench", now=utc_now())
        await import_roster(session, rows, now=utc_now())
    if not database.is_sqlite:  # a freshly loaded store: no autovacuum, no statistics
        async with database.write_session() as session, session.begin():
            tables = await session.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            for table in list(tables):
                await session.execute(text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)'))
    return EnrolledStatements([m.activity_iri for m in programme.modules], emails, cohort_start(cohort))


@dataclass
class Sampler:
    """Backlog and lag, read once a second from `lrs events status`'s numbers while ingest runs."""

    database: Database
    lags: list[float] = field(default_factory=list)
    backlogs: list[int] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            status = await pipeline_status(self.database, utc_now)
            self.lags.append(status.oldest_due_age_seconds or 0.0)
            self.backlogs.append(status.pending)
            await asyncio.sleep(1)


def p99(values: list[float]) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@dataclass(frozen=True)
class Run:
    kind: str
    statements: int
    workers: str  # "in-process", "none" or the number of separate workers
    every: int
    rate: float | None  # statements/s to pace at (None: as fast as the clients go)


async def post_all(
    base: str, headers: dict[str, str], batches: list[bytes], clients: int, rate: float | None, on_batch: Any
) -> None:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)
    started = time.perf_counter()
    sent = 0

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal sent
        while not queue.empty():
            body = queue.get_nowait()
            if rate is not None:  # the batch's place in a paced stream
                await asyncio.sleep(max(0.0, started + sent / rate - time.perf_counter()))
            sent += 100
            async with session.post(f"{base}/xapi/statements", data=body, headers=headers) as response:
                if response.status != 200:
                    raise RuntimeError(f"POST failed: {response.status} {await response.text()}")
                await on_batch(len(await response.json()))

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))


class Intervals:
    """Prints one line per `every` statements stored."""

    def __init__(self, run: Run, database: Database, server_pid: int, worker_pids: list[int]) -> None:
        self.run, self.database = run, database
        self.server_pid, self.worker_pids = server_pid, worker_pids
        self.stored = 0
        self.rates: list[float] = []
        self._mark = self._now()

    def _now(self) -> tuple[float, float | None, float | None]:
        return time.perf_counter(), tree_cpu_seconds(self.server_pid), pids_cpu_seconds(self.worker_pids)

    async def on_batch(self, count: int) -> None:
        before = self.stored
        self.stored += count
        if self.stored // self.run.every > before // self.run.every:
            await self.report()

    async def report(self) -> None:
        now = self._now()
        wall = now[0] - self._mark[0]
        rate = self.run.every / wall
        self.rates.append(rate)
        status = await pipeline_status(self.database, utc_now)
        print(
            f"  at {self.stored:>8}: ingest={rate:6.0f}/s backlog={status.pending:>7} "
            f"claim={status.claim_ms:6.1f}ms lag={status.oldest_due_age_seconds or 0:6.1f}s "
            f"server_cpu={_us(self._mark[1], now[1], self.run.every)} "
            f"worker_cpu={_us(self._mark[2], now[2], self.run.every) if self.worker_pids else 'in server'} "
            f"drain_last_minute={status.drain_per_second:5.0f}/s",
            flush=True,
        )
        self._mark = now


def _us(before: float | None, after: float | None, count: int) -> str:
    return "n/a" if before is None or after is None else f"{(after - before) / count * 1e6:5.0f}us"


async def drain(database: Database, give_up_after: float) -> float | None:
    """Seconds until nothing is pending (None: still pending after `give_up_after` seconds)."""
    started = time.perf_counter()
    while time.perf_counter() - started < give_up_after:
        if (await pipeline_status(database, utc_now)).pending == 0:
            return time.perf_counter() - started
        await asyncio.sleep(0.5)
    return None


async def bench(run: Run, workdir: Path, learners: int, drain_timeout: float) -> None:
    async with fresh_database(run.kind, workdir) as url:
        database = open_database(url)
        factory = await prepare(database, learners)
        batches = [json.dumps(factory.batch(100)).encode() for _ in range(run.statements // 100)]
        in_process = run.workers == "in-process"
        separate = 0 if run.workers in ("in-process", "none") else int(run.workers)
        async with (
            lrs_server(url, 1, worker_in_process=str(in_process).lower()) as lrs,
            lrs_workers(url, separate) as pids,
        ):
            headers = {
                "Authorization": "Basic " + base64.b64encode(f"{lrs.key}:{lrs.secret}".encode()).decode(),
                "X-Experience-API-Version": "1.0.3",
                "Content-Type": "application/json",
            }
            intervals, sampler = Intervals(run, database, lrs.pid, pids), Sampler(database)
            sampling = asyncio.create_task(sampler.run())
            started = time.perf_counter()
            await post_all(lrs.base, headers, batches, 8, run.rate, intervals.on_batch)
            ingest = time.perf_counter() - started
            sampling.cancel()
            drained = await drain(database, drain_timeout) if run.workers != "none" else None
        await database.dispose()
    summarise(run, ingest, drained, intervals.rates, sampler)


def summarise(run: Run, ingest: float, drained: float | None, rates: list[float], sampler: Sampler) -> None:
    first, last = (rates[0], rates[-1]) if rates else (0.0, 0.0)
    held = max(sampler.backlogs, default=0) < MAX_BACKLOG and p99(sampler.lags) < MAX_LAG_P99
    end_to_end = "n/a" if drained is None else f"{run.statements / (ingest + drained):.0f}/s"
    drain_time = "n/a" if drained is None else f"{drained:.1f}s"
    print(
        f"{run.kind} workers={run.workers} statements={run.statements} rate={run.rate or 'unpaced'} "
        f"ingest={run.statements / ingest:.0f}/s first={first:.0f}/s last={last:.0f}/s "
        f"last/first={last / first if first else 0:.0%} drain_after_ingest={drain_time} "
        f"end_to_end={end_to_end} max_backlog={max(sampler.backlogs, default=0)} "
        f"lag_p99={p99(sampler.lags):.1f}s held_limits={'yes' if held else 'no'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=100_000, help="statements per printed interval")
    parser.add_argument("--learners", type=int, default=2000, help="enrolled learners")
    parser.add_argument(
        "--workers",
        default=None,
        help="SQLite: in-process (default) or none; PostgreSQL: separate workers (default 1)",
    )
    parser.add_argument("--rate", type=float, default=None, help="pace ingest at this many statements/s")
    parser.add_argument("--drain-timeout", type=float, default=1800.0)
    args = parser.parse_args()
    workers = args.workers or ("in-process" if args.database == "sqlite" else "1")
    os.environ.setdefault("LRS_LOG_LEVEL", "WARNING")
    run = Run(args.database, args.statements, workers, min(args.every, args.statements), args.rate)
    with tempfile.TemporaryDirectory() as workdir:
        asyncio.run(bench(run, Path(workdir), args.learners, args.drain_timeout))


if __name__ == "__main__":
    main()
