"""GET /metrics: off unless a metrics token is set, then behind it; route latency, statements
ingested, outbox and delivery figures, and no personal data in any label."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.lrs.http.test_statements_basic import statement
from tests.lrs_server import RunningLrs, running_lrs

TOKEN = "metrics-token-for-tests"


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(database_url, metrics_token=TOKEN) as running:
        yield running


async def _scrape(server: RunningLrs, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with server.session.get(server.server.make_url("/metrics"), headers=headers) as response:
        return response.status, await response.text()


async def test_metrics_need_their_token_and_show_traffic(server: RunningLrs) -> None:
    assert (await _scrape(server, None))[0] == 401
    assert (await _scrape(server, "wrong"))[0] == 401
    batch = [statement(actor="mailto:ada@council.gov.uk"), statement(actor="mailto:bob@council.gov.uk")]
    assert (await server.request("POST", "/xapi/statements", json=batch)).status == 200
    params = {"agent": '{"mbox": "mailto:ada@council.gov.uk"}'}
    assert (await server.request("GET", "/xapi/statements", params=params)).status == 200
    status, text = await _scrape(server, TOKEN)
    assert status == 200
    assert 'lrs_request_seconds_count{method="POST",route="/xapi/statements",status="200"} 1.0' in text
    assert 'lrs_request_seconds_count{method="GET",route="/xapi/statements",status="200"} 1.0' in text
    assert "lrs_statements_ingested_total 2.0" in text
    for name in ("lrs_outbox_pending", "lrs_outbox_oldest_pending_seconds", "lrs_outbox_dead_letters 0.0"):
        assert name in text
    assert "council.gov.uk" not in text and "mailto" not in text


async def test_metrics_are_off_without_a_token(sqlite_url: str) -> None:
    async with running_lrs(sqlite_url) as plain:
        assert (await _scrape(plain, "anything"))[0] == 404
