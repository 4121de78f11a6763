"""Headless Chromium driven over the Chrome DevTools Protocol with aiohttp websockets: enough of the
protocol to load a page, click like a user (real mouse events), read the DOM, take a screenshot and
run axe-core. No browser download: the system `chromium` package is used."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # tests run as root in containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--disable-dev-shm-usage",  # container /dev/shm is often 64 MB
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
)
STARTUP_SECONDS = 30.0


class CdpError(RuntimeError):
    """A DevTools command failed, or the page threw."""


@dataclass
class Chromium:
    process: subprocess.Popen[bytes]
    port: int

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def launch_chromium(binary: str, profile_dir: Path, log_path: Path) -> Chromium:
    """Start Chromium and wait for the DevToolsActivePort file it writes once it listens."""
    port_file = profile_dir / "DevToolsActivePort"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", "about:blank"],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    chromium = Chromium(process, 0)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CdpError(f"chromium exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        lines = port_file.read_text().splitlines() if port_file.exists() else []
        if lines and lines[0].isdigit():
            chromium.port = int(lines[0])
            return chromium
        time.sleep(0.05)
    chromium.stop()
    raise CdpError(f"chromium did not open its DevTools port within {STARTUP_SECONDS} s")


class CdpPage:
    """One tab: numbered commands matched to their replies; events kept for `wait_event`."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._event_added = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @property
    def errors(self) -> list[str]:
        """Uncaught exceptions and console errors the page produced so far."""
        found = []
        for name, params in self._events:
            if name == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif name == "Runtime.consoleAPICalled" and params["type"] == "error":
                found.append(
                    " ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"])
                )
        return found

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        command_id = next(self._ids)
        reply = asyncio.get_running_loop().create_future()
        self._replies[command_id] = reply
        await self._socket.send_json({"id": command_id, "method": method, "params": params})
        message = await asyncio.wait_for(reply, 30)
        if "error" in message:
            raise CdpError(f"{method}: {message['error']}")
        result: dict[str, Any] = message.get("result", {})
        return result

    async def wait_event(self, name: str, *, after: int = 0, within: float = 15) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                for event_name, params in self._events[after:]:
                    if event_name == name:
                        return params
                self._event_added.clear()
                await self._event_added.wait()

    async def navigate(self, url: str) -> None:
        mark = len(self._events)
        await self.send("Page.navigate", url=url)
        await self.wait_event("Page.loadEventFired", after=mark)

    async def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        reply = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=await_promise, returnByValue=True
        )
        if "exceptionDetails" in reply:
            raise CdpError(f"{expression[:80]}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def wait_for(self, expression: str, *, within: float = 15) -> None:
        """Poll until `expression` is truthy in the page; the error names what the page showed."""
        deadline = time.monotonic() + within
        while not await self.evaluate(expression):
            if time.monotonic() > deadline:
                status = await self.evaluate("document.getElementById('status')?.textContent")
                raise CdpError(f"timed out waiting for {expression}; status: {status}; errors: {self.errors}")
            await asyncio.sleep(0.05)

    async def click(self, selector: str) -> None:
        """A real left click in the middle of the element, as a user's mouse would do it."""
        box = await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e || e.offsetParent === null) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        if box is None:
            raise CdpError(f"{selector} is not on the page or not visible")
        x, y = box
        await self.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    async def screenshot(self) -> bytes:
        """The visible viewport as PNG bytes."""
        return base64.b64decode((await self.send("Page.captureScreenshot", format="png"))["data"])

    async def close(self) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self._socket.close()

    async def _read(self) -> None:
        async for message in self._socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                reply = self._replies.pop(data["id"], None)
                if reply is not None and not reply.done():
                    reply.set_result(data)
            else:
                self._events.append((data["method"], data.get("params", {})))
                self._event_added.set()


@asynccontextmanager
async def open_page(chromium: Chromium) -> AsyncIterator[CdpPage]:
    """A fresh tab with Page and Runtime events on; closed afterwards."""
    base = f"http://127.0.0.1:{chromium.port}"
    async with aiohttp.ClientSession() as session:
        async with session.put(f"{base}/json/new?about:blank") as response:
            target = await response.json()
        socket = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        page = CdpPage(socket)
        try:
            await page.send("Page.enable")
            await page.send("Runtime.enable")
            yield page
        finally:
            await page.close()
            async with session.get(f"{base}/json/close/{target['id']}") as response:
                await response.read()
