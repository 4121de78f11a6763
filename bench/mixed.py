"""Sustained mixed load: 70 % statement posts (one statement each, as content sends them), 20 %
statement queries (an agent's or a verb's latest 25), 10 % state (GET or PUT of a bookmark), at a
fixed arrival rate for 60 s, with the server's outbox worker running. The load is open: requests
are sent on schedule whether or not earlier ones have been answered, and each latency is counted
from the moment its request was due, so a server that falls behind shows it (no coordinated
omission). A run holds its rate if p99 < 200 ms and nothing fails (any non-2xx, any connection
error, or a request the client could not send on time because 512 were already waiting).

    .venv/bin/python -m bench.mixed --database sqlite --rate 300            # one run at 300 req/s
    .venv/bin/python -m bench.mixed --database both --find                  # the highest rate held

`--find` probes rates for 15 s each (doubling, then bisecting between the last rate held and the
first missed), then runs the highest held rate for the full duration, stepping down 10 % until a
full run holds. The server is `lrs serve` in its own processes on a fresh store: SQLite with the
in-process worker (the embedded default); PostgreSQL with `--processes 2`, each with its worker.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.lrs_process import fresh_database, lrs_server, tree_cpu_seconds

MIX = (("post", 0.7), ("query", 0.2), ("state", 0.1))
P99_LIMIT_MS = 200.0
MAX_WAITING = 512
# Connections the client keeps open, as a proxy's pool would (below the server's per-client cap).
CONNECTIONS = 64
LEARNERS = [f"learner{n:03d}@council{n % 12}.gov.uk" for n in range(400)]
ACTIVITIES = [f"https://cohort-lrs.example/modules/m{n:02d}" for n in range(30)]
VERBS = [
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/progressed",
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/answered",
]
STATE_KEYS = [(LEARNERS[n * 4], ACTIVITIES[n % 30]) for n in range(100)]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind, _ in MIX})
    errors: Counter[str] = field(default_factory=Counter)

    def record(self, kind: str, started: float, status: int | str, expected: tuple[int, ...]) -> None:
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        if status not in expected:
            self.errors[f"{kind} {status}"] += 1


@dataclass(frozen=True)
class Result:
    rate: float
    seconds: float
    sent: int
    achieved: float
    p50: dict[str, float]
    p99: dict[str, float]
    errors: dict[str, int]
    server_cpu: float | None
    load_average: float  # the machine's 1-minute load average at the end (other work shares the cores)

    @property
    def held(self) -> bool:
        return not self.errors and self.p99["all"] < P99_LIMIT_MS

    def line(self) -> str:
        kinds = " ".join(f"{k} {self.p50[k]:.0f}/{self.p99[k]:.0f}" for k in ("post", "query", "state"))
        cpu = f" server CPU {self.server_cpu:.2f} cores," if self.server_cpu is not None else ""
        verdict = "HELD" if self.held else "missed"
        return (
            f"{self.rate:7g} req/s for {self.seconds:.0f} s: {self.sent} sent, "
            f"{self.achieved:.0f}/s answered; "
            f"p50/p99 ms all {self.p50['all']:.0f}/{self.p99['all']:.0f} ({kinds});"
            f"{cpu} load average {self.load_average:.1f}; errors {sum(self.errors.values())}"
            f" {dict(self.errors) or ''} -> {verdict}"
        )


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def statement(rng: random.Random) -> dict[str, Any]:
    return {
        "actor": {"mbox": f"mailto:{rng.choice(LEARNERS)}", "objectType": "Agent"},
        "verb": {"id": rng.choice(VERBS)},
        "object": {"id": rng.choice(ACTIVITIES), "objectType": "Activity"},
        "result": {"score": {"scaled": round(rng.random(), 2)}},
    }


class Load:
    def __init__(self, base: str, key: str, secret: str, session: aiohttp.ClientSession) -> None:
        self.base, self.session = base, session
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        self.since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))

    async def call(self, method: str, path: str, **options: Any) -> int:
        headers = {**self.headers, **options.pop("headers", {})}
        async with self.session.request(method, self.base + path, headers=headers, **options) as response:
            await response.read()
            return response.status

    async def post(self, rng: random.Random) -> int:
        return await self.call("POST", "/xapi/statements", json=statement(rng))

    async def query(self, rng: random.Random) -> int:
        if rng.random() < 0.5:
            params = {"agent": json.dumps({"mbox": f"mailto:{rng.choice(LEARNERS)}"}), "limit": "25"}
        else:
            params = {"verb": rng.choice(VERBS), "since": self.since, "limit": "25"}
        return await self.call("GET", f"/xapi/statements?{urlencode(params)}")

    async def state(self, rng: random.Random, *, write_key: int | None = None) -> int:
        learner, activity = rng.choice(STATE_KEYS) if write_key is None else STATE_KEYS[write_key]
        params = {
            "activityId": activity,
            "agent": json.dumps({"mbox": f"mailto:{learner}"}),
            "stateId": "bookmark",
        }
        path = f"/activities/state?{urlencode(params)}"
        if write_key is not None or rng.random() < 0.5:
            body = {"location": rng.randint(1, 40), "suspend": "x" * rng.randint(10, 400)}
            return await self.call("PUT", "/xapi" + path, json=body)
        return await self.call("GET", "/xapi" + path)


EXPECTED = {"post": (200,), "query": (200,), "state": (200, 204)}


async def one(load: Load, kind: str, rng: random.Random, due: float, tally: Tally) -> None:
    try:
        status: int | str = await getattr(load, kind)(rng)
    except (aiohttp.ClientError, TimeoutError) as err:
        status = type(err).__name__
    tally.record(kind, due, status, EXPECTED[kind])


async def run_at(load: Load, rate: float, seconds: float, pid: int, seed: int) -> Result:
    rng, tally = random.Random(seed), Tally()
    kinds, weights = zip(*MIX, strict=True)
    waiting: set[asyncio.Task[None]] = set()
    total = int(rate * seconds)
    cpu_before, started = tree_cpu_seconds(pid), time.perf_counter()
    for index in range(total):
        due = started + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind = rng.choices(kinds, weights)[0]
        if len(waiting) >= MAX_WAITING:
            tally.record(kind, due, "not sent: client backlog", EXPECTED[kind])
            continue
        task = asyncio.create_task(one(load, kind, random.Random(rng.random()), due, tally))
        waiting.add(task)
        task.add_done_callback(waiting.discard)
    await asyncio.gather(*waiting)
    elapsed = time.perf_counter() - started
    cpu_after = tree_cpu_seconds(pid)
    everything = [value for values in tally.latencies.values() for value in values]
    p50 = {kind: percentile(values, 0.5) for kind, values in tally.latencies.items()}
    p99 = {kind: percentile(values, 0.99) for kind, values in tally.latencies.items()}
    p50["all"], p99["all"] = percentile(everything, 0.5), percentile(everything, 0.99)
    cpu = (cpu_after - cpu_before) / elapsed if cpu_before is not None and cpu_after is not None else None
    errors = dict(tally.errors)
    return Result(rate, seconds, total, total / elapsed, p50, p99, errors, cpu, os.getloadavg()[0])


async def warm_up(load: Load) -> None:
    """Every state key written once (so GETs find a document), and a few hundred statements stored."""
    rng = random.Random(1)
    for key in range(len(STATE_KEYS)):
        status = await load.state(rng, write_key=key)
        assert status == 204, status
    for _ in range(300):
        assert await load.post(rng) == 200


async def find_highest(load: Load, pid: int, seconds: float, start: float, probe: float) -> list[Result]:
    results: list[Result] = []

    async def attempt(rate: float, duration: float) -> bool:
        result = await run_at(load, rate, duration, pid, seed=len(results))
        results.append(result)
        print(("  probe " if duration < seconds else "  full  ") + result.line(), flush=True)
        await asyncio.sleep(3)  # let the worker catch up between runs
        return result.held

    held, missed, rate = 0.0, None, start
    while missed is None and rate < 20000:
        if await attempt(rate, probe):
            held, rate = rate, rate * 2
        else:
            missed = rate
    while missed is not None and missed - held > max(2.0, held * 0.05):
        middle = round((held + missed) / 2)
        if await attempt(middle, probe):
            held = middle
        else:
            missed = middle
    rate = held
    while rate >= 1 and not await attempt(rate, seconds):
        rate = round(rate * 0.9, 1)
    return results


async def bench(kind: str, args: argparse.Namespace) -> list[Result]:
    processes = args.processes or (1 if kind == "sqlite" else 2)
    with tempfile.TemporaryDirectory(dir=".") as workdir:
        async with (
            fresh_database(kind, Path(workdir)) as url,
            lrs_server(url, processes=processes, worker_in_process="true") as lrs,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as session,
        ):
            print(f"{kind}: lrs serve --processes {processes} (outbox worker in each process)", flush=True)
            load = Load(lrs.base, lrs.key, lrs.secret, session)
            await warm_up(load)
            if args.find:
                return await find_highest(load, lrs.pid, args.seconds, args.rate, args.probe_seconds)
            result = await run_at(load, args.rate, args.seconds, lrs.pid, seed=0)
            print("  " + result.line(), flush=True)
            return [result]


async def main_async(args: argparse.Namespace) -> int:
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    summary = []
    for kind in kinds:
        results = await bench(kind, args)
        full = [result for result in results if result.seconds >= args.seconds and result.held]
        summary.append((kind, max(full, key=lambda result: result.rate) if full else None))
    for kind, best in summary:
        print(f"{kind}: highest rate held for {args.seconds:.0f} s: " + (best.line() if best else "none"))
    return 0 if all(best is not None for _, best in summary) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s (with --find: the first probe)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of a full run")
    parser.add_argument("--find", action="store_true", help="search for the highest rate held")
    parser.add_argument("--probe-seconds", type=float, default=15.0)
    parser.add_argument("--processes", type=int, default=0, help="server processes (default 1 / 2)")
    raise SystemExit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
