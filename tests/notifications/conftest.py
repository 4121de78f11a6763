from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trustme

from lrs.storage.engine import Database, open_database
from lrs.storage.schema import migrate
from tests.fakes.smtp import FakeSmtpServer


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = open_database(database_url)
    try:
        await migrate(opened)
        yield opened
    finally:
        await opened.dispose()


@pytest.fixture
def smtp(ca: trustme.CA, ca_file: Path) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer(ca, ca_file, tls="starttls") as server:
        yield server
