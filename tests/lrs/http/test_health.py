"""/healthz and /readyz on a running server (SQLite and PostgreSQL): open, no personal data, and
/readyz turns 503 when the outbox falls behind or the schema is not at the code's head."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from lrs.clock import utc_now
from lrs.events.status import pipeline_status
from lrs.storage.outbox import append_events
from lrs.storage.readiness import head_revision
from tests.lrs_server import RunningLrs, running_lrs


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(
        database_url, ready_max_outbox_pending=50, ready_max_outbox_age_seconds=60
    ) as running:
        yield running


async def _get(server: RunningLrs, path: str) -> tuple[int, dict[str, object]]:
    async with server.session.get(server.server.make_url(path)) as response:  # no credential
        return response.status, await response.json()


async def test_liveness_and_readiness_need_no_credential(server: RunningLrs) -> None:
    assert await _get(server, "/healthz") == (200, {"status": "ok"})
    status, body = await _get(server, "/readyz")
    assert status == 200 and body["status"] == "ready", body
    checks = body["checks"]
    assert checks["database"] == {"ok": True} and checks["migrations"] == {"ok": True}  # type: ignore[index]
    # A fresh store has only the few events its start-up wrote (no worker runs in these tests).
    assert checks["outbox"]["ok"] is True and checks["outbox"]["pending"] < 50  # type: ignore[index]


async def test_an_outbox_behind_makes_the_server_not_ready(server: RunningLrs) -> None:
    async with server.database.write_session() as session, session.begin():
        await append_events(session, [("test.old", {"n": 1})], now=utc_now() - timedelta(minutes=5))
    status, body = await _get(server, "/readyz")
    outbox = body["checks"]["outbox"]  # type: ignore[index]
    assert status == 503 and body["status"] == "not ready"
    assert outbox["ok"] is False and outbox["oldest_pending_seconds"] >= 299


async def test_too_many_pending_events_make_the_server_not_ready(server: RunningLrs) -> None:
    async with server.database.write_session() as session, session.begin():
        await append_events(session, [("test.new", {"n": n}) for n in range(51)], now=utc_now())
    status, body = await _get(server, "/readyz")
    outbox = body["checks"]["outbox"]  # type: ignore[index]
    assert status == 503 and outbox["ok"] is False and outbox["pending"] > 50


async def test_a_schema_behind_the_code_makes_the_server_not_ready(server: RunningLrs) -> None:
    assert head_revision() is not None
    async with server.database.write_session() as session, session.begin():
        await session.execute(text("UPDATE alembic_version SET version_num = '0009_drop_voiding_index'"))
    status, body = await _get(server, "/readyz")
    assert status == 503 and body["checks"]["migrations"] == {"ok": False}  # type: ignore[index]


async def test_readiness_reads_the_numbers_lrs_events_status_reads(server: RunningLrs) -> None:
    """A retry backing off is pending but not due: it counts, yet its wait is not lag. /readyz gives
    the same pending count and oldest due age as `lrs events status` (lrs.events.status)."""
    now = utc_now()
    async with server.database.write_session() as session, session.begin():
        await append_events(session, [("test.retry", {"n": 1})], now=now - timedelta(minutes=5))
        await append_events(
            session,
            [("test.backoff", {"n": 2})],
            now=now - timedelta(minutes=10),
            available_at=now + timedelta(hours=1),
        )
    status = await pipeline_status(server.database, utc_now)
    code, body = await _get(server, "/readyz")
    outbox = body["checks"]["outbox"]  # type: ignore[index]
    assert outbox["pending"] == status.pending >= 2
    assert abs(outbox["oldest_pending_seconds"] - (status.oldest_due_age_seconds or 0)) < 5
    assert 290 <= outbox["oldest_pending_seconds"] < 400  # the due one's wait, not the backing-off one's
    assert code == 503 and outbox["ok"] is False  # 300 s > the 60 s this server allows
    assert outbox["dead_letters"] == status.dead_letters and "drain_per_second" in outbox


async def test_a_backing_off_retry_is_not_lag(server: RunningLrs) -> None:
    now = utc_now()
    async with server.database.write_session() as session, session.begin():
        await append_events(
            session,
            [("test.backoff", {"n": 1})],
            now=now - timedelta(minutes=10),
            available_at=now + timedelta(hours=1),
        )
    code, body = await _get(server, "/readyz")
    assert code == 200, body
    # Only the start-up's own events are due (seconds old); the retry's ten minutes are not lag.
    assert body["checks"]["outbox"]["oldest_pending_seconds"] < 60  # type: ignore[index]
