from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lrs.storage.engine import Database, open_database
from lrs.storage.schema import migrate
from tests.fakes.microsoft import fake_microsoft, microsoft_ca

__all__ = ["database", "fake_microsoft", "microsoft_ca"]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = open_database(database_url)
    try:
        await migrate(opened)
        yield opened
    finally:
        await opened.dispose()
