"""Start `lrs serve` as a separate process on a fresh database, with a credential, for benchmarks."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg

POSTGRES_ADMIN_DSN = os.environ.get("LRS_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def fresh_database(kind: str, workdir: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite+aiosqlite:///{path}"
        return  # the caller's temporary directory removes the files
    name = f"lrs_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _lrs(*args: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lrs", *args, env=env, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"lrs {' '.join(args)} failed with exit code {process.returncode}")
    return stdout.decode()


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its children so far (Linux /proc; None elsewhere)."""
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        pending = [pid]
        while pending:
            current = pending.pop()
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        return total
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class RunningLrs:
    base: str
    key: str
    secret: str
    pid: int


@asynccontextmanager
async def lrs_server(database_url: str, processes: int = 1, **settings: str) -> AsyncIterator[RunningLrs]:
    """Yield the base URL, a credential and the pid of a running server; stop it afterwards."""
    env = {**os.environ, "LRS_DATABASE_URL": database_url, "LRS_LOG_LEVEL": "WARNING"}
    env.update({f"LRS_{key.upper()}": value for key, value in settings.items()})
    credential = json.loads(await _lrs("credentials", "create", "--name", "bench", "--json", env=env))
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lrs",
        "serve",
        "--port",
        str(port),
        "--processes",
        str(processes),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_up(base)
        yield RunningLrs(base, credential["key"], credential["secret"], process.pid)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


@asynccontextmanager
async def lrs_workers(database_url: str, count: int = 1, **settings: str) -> AsyncIterator[list[int]]:
    """Run `count` separate `lrs worker` processes on the database (as an operator does); yield
    their pids; stop them afterwards."""
    env = {**os.environ, "LRS_DATABASE_URL": database_url, "LRS_LOG_LEVEL": "WARNING"}
    env.update({f"LRS_{key.upper()}": value for key, value in settings.items()})
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "lrs",
            "worker",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield [process.pid for process in processes]
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), timeout=30)


def pids_cpu_seconds(pids: list[int]) -> float | None:
    """`tree_cpu_seconds` summed over several processes (None if any cannot be read)."""
    found = [tree_cpu_seconds(pid) for pid in pids]
    return None if any(value is None for value in found) else sum(value or 0.0 for value in found)


async def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{base}/xapi/about") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"lrs serve did not come up at {base}")
