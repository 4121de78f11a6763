from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.fakes.smtp import FakeSmtpServer


@pytest.fixture
def smtp(ca: trustme.CA, ca_file: Path) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer(ca, ca_file, tls="starttls") as server:
        yield server
