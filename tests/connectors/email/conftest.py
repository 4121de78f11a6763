from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from connectors.base import MemorySuppressionList
from tests.fakes.smtp import FakeSmtpServer


@pytest.fixture
def smtp_server(ca: trustme.CA, ca_file: Path) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer(ca, ca_file, tls="starttls") as server:
        yield server


@pytest.fixture
def suppression() -> MemorySuppressionList:
    return MemorySuppressionList()
