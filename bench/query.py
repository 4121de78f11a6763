"""Query latency at scale: load N realistic statements (default 1,000,000) through the storage layer,
start `lrs serve` on that store and time 100-statement pages over HTTP for the agent, verb+since,
activity+related_activities and registration filters. Prints p50/p99 per filter.

    .venv/bin/python -m bench.query --database sqlite --statements 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import func, select

from bench.lrs_process import fresh_database, lrs_server
from bench.programme_statements import MODULES, PROGRAMME, VERBS, StatementFactory
from lrs.clock import utc_now
from lrs.statement_service import credential_authority, record_statements
from lrs.storage.engine import open_database
from lrs.storage.models import Statement
from lrs.storage.schema import migrate
from lrs.storage.statements import Writer
from lrs.xapi.statements import validate_statements

CHUNK = 5000
Figures = dict[str, tuple[float, float, float]]


async def load(database_url: str, factory: StatementFactory, total: int) -> tuple[datetime, datetime]:
    database = open_database(database_url)
    await migrate(database)
    writer = Writer(None, credential_authority("http://bench", "bench", "bench"), may_define=True)
    started = time.perf_counter()
    first = utc_now()
    for done in range(0, total, CHUNK):
        batch = validate_statements(factory.batch(min(CHUNK, total - done)), version="1.0.3")
        await record_statements(database, batch, writer=writer, clock=utc_now, version="1.0.3")
        if (done // CHUNK) % 20 == 0:
            rate = (done + CHUNK) / (time.perf_counter() - started)
            print(f"  loaded {done + CHUNK:>9} statements ({rate:.0f}/s)", flush=True)
    await database.dispose()
    return first, utc_now()


def _queries(
    factory: StatementFactory, first: datetime, last: datetime, rng: random.Random
) -> dict[str, list[dict[str, str]]]:
    span = (last - first).total_seconds()

    def since() -> str:
        moment = datetime.fromtimestamp(first.timestamp() + rng.random() * span, UTC)
        return moment.isoformat().replace("+00:00", "Z")

    learners = factory.learners
    return {
        "agent": [
            {"agent": json.dumps({"mbox": f"mailto:{rng.choice(learners)}"}), "limit": "100"}
            for _ in range(200)
        ],
        "verb+since": [
            {"verb": rng.choice(list(VERBS.values())), "since": since(), "limit": "100"} for _ in range(200)
        ],
        "activity+related_activities": [
            {
                "activity": rng.choice(
                    [PROGRAMME, *[f"https://cohort-lrs.example/modules/{m}" for m in MODULES]]
                ),
                "related_activities": "true",
                "limit": "100",
            }
            for _ in range(200)
        ],
        "registration": [
            {"registration": factory.registrations[rng.choice(learners)], "limit": "100"} for _ in range(200)
        ],
    }


async def measure_on(url: str, queries: dict[str, list[dict[str, str]]]) -> Figures:
    async with lrs_server(url, worker_in_process="false") as lrs:
        warm_up = {name: items[:20] for name, items in queries.items()}
        await measure(lrs.base, lrs.key, lrs.secret, warm_up)
        return await measure(lrs.base, lrs.key, lrs.secret, queries)


async def stored_span(url: str) -> tuple[datetime, datetime] | None:
    """When the store's statements were stored, or None for an empty (or new) store."""
    database = open_database(url)
    try:
        await migrate(database)
        async with database.read_session() as session:
            span = select(func.min(Statement.stored_us), func.max(Statement.stored_us))
            low, high = (await session.execute(span)).one()
    finally:
        await database.dispose()
    if low is None:
        return None
    return datetime.fromtimestamp(low / 1e6, UTC), datetime.fromtimestamp(high / 1e6, UTC)


async def measure(
    base: str, key: str, secret: str, queries: dict[str, list[dict[str, str]]]
) -> dict[str, tuple[float, float, float]]:
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
        "X-Experience-API-Version": "1.0.3",
    }
    figures: Figures = {}
    async with aiohttp.ClientSession() as session:
        for name, params_list in queries.items():
            latencies = []
            counts = []
            for params in params_list:
                started = time.perf_counter()
                async with session.get(
                    f"{base}/xapi/statements?{urlencode(params)}", headers=headers
                ) as response:
                    body = await response.json()
                    assert response.status == 200, body
                latencies.append((time.perf_counter() - started) * 1000)
                counts.append(len(body["statements"]))
            latencies.sort()
            p99 = latencies[int(len(latencies) * 0.99) - 1]
            figures[name] = (statistics.median(latencies), p99, statistics.mean(counts))
    return figures


async def run(kind: str, total: int, store_url: str | None) -> None:
    factory = StatementFactory(seed=11)
    if store_url:  # kept between runs: loaded once (same seed), measured as often as wanted
        if await stored_span(store_url) is None:
            print(f"{kind}: loading {total} statements into {store_url}", flush=True)
            await load(store_url, factory, total)
        span = await stored_span(store_url)
        assert span is not None
        figures = await measure_on(store_url, _queries(factory, *span, random.Random(5)))
    else:
        with tempfile.TemporaryDirectory(dir=".") as workdir:
            async with fresh_database(kind, Path(workdir)) as url:
                print(f"{kind}: loading {total} statements", flush=True)
                load_started = time.perf_counter()
                first, last = await load(url, factory, total)
                print(f"{kind}: loaded in {time.perf_counter() - load_started:.0f} s", flush=True)
                figures = await measure_on(url, _queries(factory, first, last, random.Random(5)))
    for name, (p50, p99, mean_count) in figures.items():
        print(
            f"{kind:9} {total} statements  {name:30} "
            f"p50={p50:6.1f} ms  p99={p99:6.1f} ms  page={mean_count:.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument(
        "--store-url", help="a database kept between runs: loaded on the first run, then only measured"
    )
    args = parser.parse_args()
    for kind in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        asyncio.run(run(kind, args.statements, args.store_url))


if __name__ == "__main__":
    main()
