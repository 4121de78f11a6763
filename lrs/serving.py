"""Running the HTTP server: one process, or several sharing one port (SO_REUSEPORT) so a machine's
cores all serve. Processes hold no state of their own; PostgreSQL (or the SQLite file) is shared."""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import signal
from dataclasses import replace
from types import FrameType

from aiohttp import web

from lrs.app import create_app, prepare_store
from lrs.http.access_log import SERVER_OPTIONS
from lrs.http.connections import ConnectionLimits, GuardedAppRunner
from lrs.settings import Settings

log = logging.getLogger(__name__)


def run_server(settings: Settings, *, reuse_port: bool = False) -> None:
    app = create_app(settings)
    app.on_startup.append(_quieter_garbage_collection)
    asyncio.run(_serve(app, settings, reuse_port=reuse_port))


def guarded_runner(app: web.Application, settings: Settings) -> GuardedAppRunner:
    """The runner `lrs serve` uses: redacting access log, header timeout, per-client connection cap."""
    limits = ConnectionLimits(
        max_connections_per_client=settings.max_connections_per_client,
        exempt_clients=frozenset(settings.trusted_proxies),
    )
    return GuardedAppRunner(app, limits, keepalive_timeout=settings.header_timeout_seconds, **SERVER_OPTIONS)


async def _serve(app: web.Application, settings: Settings, *, reuse_port: bool) -> None:
    runner = guarded_runner(app, settings)
    await runner.setup()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port)
        await site.start()
        print(f"======== Running on {site.name} ========\n(Press CTRL+C to quit)", flush=True)
        await stopping.wait()
    finally:
        await runner.cleanup()


async def _quieter_garbage_collection(_app: web.Application) -> None:
    """Move everything built at start-up (SQLAlchemy's compiled caches, the app) out of the cyclic
    collector's sight and collect less often: full collections over that heap were the tail of query
    latency (p99 67 ms with, 17 ms without, at 1,000,000 statements; see docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def run_servers(settings: Settings, processes: int) -> int:
    """Start `processes` servers on one port and wait; SIGTERM/SIGINT stop them all."""
    if processes <= 1:
        run_server(settings)
        return 0
    if settings.database_url.startswith("sqlite"):
        log.warning("several server processes share one SQLite file: writes queue on its lock")
    # The parent migrates, makes the hash key and loads programmes once, so that the children do not
    # race each other to create them (one of them would fail on the other's rows).
    asyncio.run(prepare_store(settings))
    context = multiprocessing.get_context("spawn")
    children = []
    for number in range(processes):
        # Only the first process prints demo credentials; the in-process worker runs in one process.
        child_settings = settings if number == 0 else replace(settings, demo=False, worker_in_process=False)
        child = context.Process(target=run_server, args=(child_settings,), kwargs={"reuse_port": True})
        child.start()
        children.append(child)

    def stop(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)
