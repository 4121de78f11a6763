"""Per-credential rate limits: separate ingest and read budgets, 429 with Retry-After, refilled with
time (a clock the test moves), other credentials untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lrs.http.rate_limits import RATE_LIMITER
from tests.lrs.http.test_statements_basic import statement
from tests.lrs_server import RunningLrs, running_lrs


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def server(sqlite_url: str) -> AsyncIterator[tuple[RunningLrs, Ticks]]:
    """SQLite only: limits are counted before storage is reached."""
    async with running_lrs(
        sqlite_url, rate_limit_ingest_per_minute=3, rate_limit_read_per_minute=2
    ) as running:
        ticks = Ticks()
        running.app[RATE_LIMITER].clock = ticks
        yield running, ticks


async def test_ingest_and_reads_have_their_own_budgets(server: tuple[RunningLrs, Ticks]) -> None:
    lrs, ticks = server
    posts = [await lrs.request("POST", "/xapi/statements", json=statement()) for _ in range(4)]
    assert [response.status for response in posts] == [200, 200, 200, 429]
    refused = posts[-1]
    assert refused.headers["Retry-After"] == "20" and "ingest" in (await refused.json())["message"]
    reads = [await lrs.request("GET", "/xapi/statements") for _ in range(3)]
    assert [response.status for response in reads] == [200, 200, 429]
    assert reads[-1].headers["Retry-After"] == "30"
    other = await lrs.credential("all", name="other")
    assert (await lrs.request("POST", "/xapi/statements", json=statement(), headers=other)).status == 200
    ticks.now += 20
    assert (await lrs.request("POST", "/xapi/statements", json=statement())).status == 200
    assert (await lrs.request("POST", "/xapi/statements", json=statement())).status == 429


async def test_no_limit_by_default(sqlite_url: str) -> None:
    async with running_lrs(sqlite_url) as lrs:
        statuses = {(await lrs.request("GET", "/xapi/statements")).status for _ in range(20)}
    assert statuses == {200}
