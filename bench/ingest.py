"""Ingest benchmark: POST batches of 100 realistic programme statements with 8 concurrent clients into
a fresh store, and in the same run the raw ceiling: the same rows stored directly through the storage
layer in one transaction. Prints statements/s and the ratio. The outbox worker runs the way users
run it: inside the server with --worker, otherwise as one separate `lrs worker` process, whose CPU per
statement is printed too (worker_cpu), with the events still pending when the last POST returned.

    .venv/bin/python -m bench.ingest --database sqlite --statements 20000
    .venv/bin/python -m bench.ingest --database postgres
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.lrs_process import fresh_database, lrs_server, lrs_workers, pids_cpu_seconds, tree_cpu_seconds
from bench.programme_statements import StatementFactory
from lrs.clock import utc_now
from lrs.events.status import pipeline_status
from lrs.statement_service import credential_authority, record_statements
from lrs.storage.engine import open_database
from lrs.storage.schema import migrate
from lrs.storage.statements import Writer
from lrs.xapi.statements import validate_statements


async def raw_ceiling(database_url: str, statements: list[dict[str, Any]]) -> float:
    """Statements/s through the storage layer alone: validated once beforehand, one transaction."""
    database = open_database(database_url)
    await migrate(database)
    validated = validate_statements(statements, version="1.0.3")
    writer = Writer(
        credential_id=None, authority=credential_authority("http://bench", "bench", "bench"), may_define=True
    )
    started = time.perf_counter()
    await record_statements(database, validated, writer=writer, clock=utc_now, version="1.0.3")
    elapsed = time.perf_counter() - started
    await database.dispose()
    return len(statements) / elapsed


@dataclass(frozen=True)
class HttpFigures:
    rate: float  # statements/s
    stored: int
    server_cpu_us: float | None  # server CPU (all its processes) per statement, where /proc tells
    latency_ms: tuple[float, float]  # p50, p99 of one batch's POST, request to reply
    worker_cpu_us: float | None  # the separate `lrs worker` process's CPU per statement (None: in process)
    pending: int  # outbox events still pending when the last POST was answered


async def http_ingest(
    database_url: str, batches: list[bytes], clients: int, total: int, worker: bool, processes: int
) -> HttpFigures:
    server = lrs_server(database_url, processes, worker_in_process=str(worker).lower())
    async with server as lrs, lrs_workers(database_url, 0 if worker else 1) as worker_pids:
        headers = {
            "Authorization": "Basic " + base64.b64encode(f"{lrs.key}:{lrs.secret}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        }
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)
        stored = 0
        latencies: list[float] = []

        async def client(session: aiohttp.ClientSession) -> None:
            nonlocal stored
            while not queue.empty():
                body = queue.get_nowait()
                sent = time.perf_counter()
                async with session.post(
                    f"{lrs.base}/xapi/statements", data=body, headers=headers
                ) as response:
                    if response.status != 200:
                        raise RuntimeError(f"POST failed: {response.status} {await response.text()}")
                    stored += len(await response.json())
                latencies.append((time.perf_counter() - sent) * 1000)

        connector = aiohttp.TCPConnector(limit=clients)
        async with aiohttp.ClientSession(connector=connector) as session:
            cpu_before, worker_before = tree_cpu_seconds(lrs.pid), pids_cpu_seconds(worker_pids)
            started = time.perf_counter()
            await asyncio.gather(*(client(session) for _ in range(clients)))
            elapsed = time.perf_counter() - started
            cpu_after, worker_after = tree_cpu_seconds(lrs.pid), pids_cpu_seconds(worker_pids)
        pending = await _pending(database_url)
    return HttpFigures(
        total / elapsed,
        stored,
        _per_statement(cpu_before, cpu_after, total),
        _percentiles(latencies),
        None if worker else _per_statement(worker_before, worker_after, total),
        pending,
    )


def _per_statement(before: float | None, after: float | None, total: int) -> float | None:
    return None if before is None or after is None else (after - before) / total * 1_000_000


async def _pending(database_url: str) -> int:
    database = open_database(database_url)
    try:
        return (await pipeline_status(database, utc_now)).pending
    finally:
        await database.dispose()


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def run(
    kind: str, total: int, batch_size: int, clients: int, worker: bool, processes: int
) -> dict[str, float]:
    factory = StatementFactory(seed=7)
    statements = factory.batch(total)
    batches = [
        json.dumps(statements[start : start + batch_size]).encode() for start in range(0, total, batch_size)
    ]
    with tempfile.TemporaryDirectory() as workdir:
        async with fresh_database(kind, Path(workdir)) as url:
            ceiling = await raw_ceiling(url, statements)
        async with fresh_database(kind, Path(workdir)) as url:
            http = await http_ingest(url, batches, clients, total, worker, processes)
    assert http.stored == total, f"stored {http.stored} of {total}"
    figures = {"ceiling": ceiling, "http": http.rate, "ratio": http.rate / ceiling}
    figures["p50_ms"], figures["p99_ms"] = http.latency_ms
    if http.server_cpu_us is not None:
        figures["server_cpu_us"] = http.server_cpu_us
    if http.worker_cpu_us is not None:
        figures["worker_cpu_us"] = http.worker_cpu_us
    figures["pending"] = http.pending
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--processes", type=int, default=1, help="server processes (lrs serve --processes)")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="run the outbox worker inside the server (embedded default); without it, one separate "
        "`lrs worker` process runs beside the server",
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for kind in kinds:
        figures = asyncio.run(
            run(kind, args.statements, args.batch, args.clients, args.worker, args.processes)
        )
        print(
            f"{kind:9} statements={args.statements} batch={args.batch} clients={args.clients} "
            f"worker={'in-process' if args.worker else 'separate'} processes={args.processes} "
            f"raw_ceiling={figures['ceiling']:.0f}/s http={figures['http']:.0f}/s "
            f"http/ceiling={figures['ratio']:.0%}{_cpu_figure(figures)} "
            f"batch_latency_p50={figures['p50_ms']:.0f}ms p99={figures['p99_ms']:.0f}ms "
            f"pending_at_end={figures['pending']:.0f}",
            flush=True,
        )


def _cpu_figure(figures: dict[str, float]) -> str:
    cpu_us, worker_us = figures.get("server_cpu_us"), figures.get("worker_cpu_us")
    server = "" if cpu_us is None else f" server_cpu={cpu_us:.0f}us/statement"
    return server + ("" if worker_us is None else f" worker_cpu={worker_us:.0f}us/statement")


if __name__ == "__main__":
    main()
