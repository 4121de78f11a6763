"""Clients that trickle a request, or open too many connections, are closed (real sockets, the runner
`lrs serve` uses, short limits)."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from aiohttp import web

from lrs.app import create_app
from lrs.clock import utc_now
from lrs.http.context import DATABASE
from lrs.serving import guarded_runner
from lrs.settings import Settings
from lrs.storage.credentials import create_credential, load_hash_key

TIMEOUT = 1.0
CAP = 4


@dataclass
class Served:
    port: int
    authorization: str


@pytest.fixture
async def served(sqlite_url: str) -> AsyncIterator[Served]:
    settings = replace(
        Settings(),
        database_url=sqlite_url,
        worker_in_process=False,
        header_timeout_seconds=TIMEOUT,
        body_timeout_seconds=TIMEOUT,
        max_connections_per_client=CAP,
    )
    runner = guarded_runner(create_app(settings), settings)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    async with runner.app[DATABASE].write_session() as session, session.begin():
        key = await load_hash_key(session, "")
        issued = await create_credential(session, name="t", scopes="all", hash_key=key, now=utc_now())
    port = runner.addresses[0][1]
    basic = base64.b64encode(f"{issued.info.key}:{issued.secret}".encode()).decode()
    try:
        yield Served(port, f"Basic {basic}")
    finally:
        await runner.cleanup()


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(65536):
                pass
        return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


async def _trickle(writer: asyncio.StreamWriter, data: bytes, stop: asyncio.Event) -> None:
    for byte in data:
        if stop.is_set() or writer.is_closing():
            return
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            return
        await asyncio.sleep(0.2)


async def _timed_close(port: int, head: bytes, trickled: bytes) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(_trickle(writer, trickled, stop))
    closed = await _closed_within(reader, TIMEOUT * 6)
    stop.set()
    await task
    writer.close()
    assert closed, "the trickling connection stayed open"
    return time.monotonic() - started


async def test_a_trickled_body_is_closed(served: Served) -> None:
    head = (
        "POST /xapi/statements HTTP/1.1\r\nHost: lrs\r\nContent-Type: application/json\r\n"
        f"Authorization: {served.authorization}\r\nX-Experience-API-Version: 1.0.3\r\n"
        "Content-Length: 1000\r\n\r\n"
    ).encode()
    assert await _timed_close(served.port, head, b"[" * 1000) < TIMEOUT * 4


async def test_a_trickled_head_is_closed(served: Served) -> None:
    head = b"GET /xapi/about HTTP/1.1\r\nHost: lrs\r\n"
    assert await _timed_close(served.port, head, b"X-Slow: " + b"a" * 200) < TIMEOUT * 4


async def test_a_prompt_request_with_a_body_is_answered(served: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    body = b"[]"
    writer.write(
        (
            "POST /xapi/statements HTTP/1.1\r\nHost: lrs\r\nContent-Type: application/json\r\n"
            f"Authorization: {served.authorization}\r\nX-Experience-API-Version: 1.0.3\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


async def test_connections_past_the_per_client_cap_are_closed(served: Served) -> None:
    held = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(CAP)]
    await asyncio.sleep(0.1)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    assert await _closed_within(reader, 2), "a connection past the cap was kept"
    writer.close()
    # A held connection still works, and once one is closed a new one is admitted.
    held_reader, held_writer = held[0]
    held_writer.write(b"GET /xapi/about HTTP/1.1\r\nHost: lrs\r\nX-Experience-API-Version: 1.0.3\r\n\r\n")
    assert (await asyncio.wait_for(held_reader.readline(), 5)).startswith(b"HTTP/1.1 200")
    held_writer.close()
    await held_writer.wait_closed()
    await asyncio.sleep(0.1)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(b"GET /xapi/about HTTP/1.1\r\nHost: lrs\r\nX-Experience-API-Version: 1.0.3\r\n\r\n")
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 200")
    for _, other in [*held[1:], (reader, writer)]:
        other.close()
