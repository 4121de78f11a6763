"""An HR puller looping on since=high_watermark while statements are ingested and projected: it sees
every change, and no record twice within one pass."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from lrs.progress import verbs
from tests.lrs.progress.cohort import BASE, statement, voiding
from tests.lrs.reporting.support import Projecting, projecting, pull
from tests.lrs_server import RunningLrs

EMAILS = [f"learner{n}@north.gov.uk" for n in range(8)]


async def ingest(cohort: Projecting, rounds: int) -> None:
    """Each round: every learner does something, some of it is voided, one learner leaves and returns."""
    for number in range(rounds):
        cohort.clock.advance(timedelta(minutes=7))
        now = cohort.clock.now
        work = [
            statement(EMAILS[(number + k) % len(EMAILS)], verbs.COMPLETED, f"{BASE}/intro", now)
            for k in range(3)
        ]
        score = {"score": {"scaled": 0.5 + (number % 5) / 10}}
        work.append(statement(EMAILS[number % len(EMAILS)], verbs.PASSED, f"{BASE}/quiz", now, result=score))
        await cohort.post(work)
        if number % 3 == 0:
            await cohort.post([voiding(work[0], now + timedelta(seconds=1))])
        if number % 4 == 1:
            await cohort.set_status(EMAILS[0], "withdrawn" if number % 8 == 1 else "enrolled")
        await asyncio.sleep(0)


async def puller(lrs: RunningLrs, stop: asyncio.Event) -> tuple[dict[str, dict[str, Any]], int]:
    """Mirror of the records, kept from passes; the number of passes."""
    mirror: dict[str, dict[str, Any]] = {}
    since: dict[str, str] = {}
    passes = 0
    while True:
        finished = stop.is_set()
        got = await pull(lrs, limit="7", **since)
        ids = [record["record_id"] for record in got["records"]]
        assert len(ids) == len(set(ids)), "a record twice in one pass"
        mirror.update({record["record_id"]: record for record in got["records"]})
        since = {"since": got["high_watermark"]}
        passes += 1
        if finished:
            return mirror, passes
        await asyncio.sleep(0.01)


async def test_incremental_pull_under_concurrent_ingest_misses_nothing(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, EMAILS)
    stop = asyncio.Event()
    pulling = asyncio.create_task(puller(lrs, stop))
    await ingest(cohort, rounds=24)
    stop.set()
    mirror, passes = await pulling
    truth = {record["record_id"]: record for record in (await pull(lrs))["records"]}
    assert passes > 3
    assert mirror == truth
    assert any(record["deleted"] for record in truth.values()) or any(
        record["status"] == "completed" for record in truth.values()
    )
