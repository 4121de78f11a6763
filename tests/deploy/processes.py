"""Real `lrs` processes for the deployment tests: servers, workers and one-off commands, all reading
one settings file, each stopped (SIGTERM, then SIGKILL after 30 s) when the test ends."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path


class LrsProcesses:
    def __init__(self, config: Path, cwd: Path, *, env: dict[str, str]) -> None:
        self.config, self.cwd, self.env = config, cwd, env
        self.started: list[asyncio.subprocess.Process] = []

    async def cli(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *self._command(*args), env=self.env, cwd=self.cwd, stdout=asyncio.subprocess.PIPE
        )
        stdout, _ = await process.communicate()
        assert process.returncode == 0, f"lrs {' '.join(args)} exited {process.returncode}"
        return stdout.decode()

    async def serve(self, port: int) -> asyncio.subprocess.Process:
        return await self._start("serve", "--host", "127.0.0.1", "--port", str(port))

    async def worker(self) -> asyncio.subprocess.Process:
        return await self._start("worker")

    async def stop(self) -> None:
        for process in self.started:
            if process.returncode is None:
                process.terminate()
        for process in self.started:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "lrs", "--config", str(self.config), *args]

    async def _start(self, *args: str) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            *self._command(*args), env=self.env, cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        self.started.append(process)
        return process


def tcp_ports_of(pid: int) -> set[int]:
    """The local TCP ports of a process's open sockets (Linux /proc), to tell its connections apart
    from another process's at a server the test runs."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed between the listing and the read
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rpartition(":")[2], 16))
    return ports
