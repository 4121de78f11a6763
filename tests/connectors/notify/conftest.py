from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from tests.fakes.notify import FakeNotifyServer


@pytest.fixture
async def notify_server(ca: trustme.CA, ca_file: Path) -> AsyncIterator[FakeNotifyServer]:
    async with FakeNotifyServer(ca, ca_file) as server:
        yield server
