"""A real LRS (tests.lrs_server.running_lrs) on its own event loop in a background thread, so that
hypothesis, which drives plain functions, can send it requests one example at a time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from yarl import URL

from tests.lrs_server import RunningLrs, running_lrs

T = TypeVar("T")


@dataclass
class ServedLrs:
    loop: asyncio.AbstractEventLoop
    lrs: RunningLrs

    def run(self, work: Callable[[RunningLrs], Awaitable[T]]) -> T:
        return asyncio.run_coroutine_threadsafe(_call(work, self.lrs), self.loop).result(timeout=60)

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        query = form_encoded(params or {})

        async def send(lrs: RunningLrs) -> tuple[int, str]:
            url = URL(str(lrs.server.make_url(path)) + (f"?{query}" if query else ""), encoded=True)
            merged = {**lrs.headers(), **(headers or {})}
            response = await lrs.session.request(method, url, data=data, headers=merged)
            async with response:
                return response.status, await response.text(errors="replace")

        return self.run(send)


def form_encoded(params: Mapping[str, str]) -> str:
    """Every byte percent-encoded; a lone surrogate is sent as the (invalid UTF-8) bytes it would be."""
    return "&".join(f"{_quoted(key)}={_quoted(value)}" for key, value in params.items())


def _quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


async def _call(work: Callable[[RunningLrs], Awaitable[T]], lrs: RunningLrs) -> T:
    return await work(lrs)


@contextmanager
def served_lrs(database_url: str, **overrides: Any) -> Iterator[ServedLrs]:
    loop = asyncio.new_event_loop()
    ready: Future[RunningLrs] = Future()
    stop = asyncio.Event()

    async def serve() -> None:
        try:
            async with running_lrs(database_url, **overrides) as lrs:
                ready.set_result(lrs)
                await stop.wait()
        except BaseException as err:
            if not ready.done():
                ready.set_exception(err)
            raise

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield ServedLrs(loop, ready.result(timeout=60))
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=60)
        loop.close()
