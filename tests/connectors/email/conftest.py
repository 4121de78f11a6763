from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from connectors.base import MemorySuppressionList
from tests.fakes.smtp import FakeSmtpServer


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def smtp_server(ca: trustme.CA, ca_file: Path) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer(ca, ca_file, tls="starttls") as server:
        yield server


@pytest.fixture
def suppression() -> MemorySuppressionList:
    return MemorySuppressionList()
