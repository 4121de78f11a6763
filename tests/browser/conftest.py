"""Browser fixtures: one headless Chromium per test session (the system package, never a download).

Without /usr/bin/chromium (or $LRS_CHROMIUM) the browser tests skip with the reason shown, unless
LRS_REQUIRE_CHROMIUM=1 (CI), which turns the skip into a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.cdp import Chromium, launch_chromium
from tests.databases import skip_or_fail

DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_binary() -> str | None:
    candidate = os.environ.get("LRS_CHROMIUM", DEFAULT_CHROMIUM)
    return candidate if Path(candidate).exists() else shutil.which(candidate)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    binary = chromium_binary()
    if binary is None:
        skip_or_fail(
            f"headless Chromium not found at {os.environ.get('LRS_CHROMIUM', DEFAULT_CHROMIUM)} "
            "(apt-get install chromium)",
            "LRS_REQUIRE_CHROMIUM",
        )
        raise AssertionError("unreachable: skip_or_fail raises")
    profile = tmp_path_factory.mktemp("chromium-profile")
    browser = launch_chromium(binary, profile, profile.parent / "chromium.log")
    try:
        yield browser
    finally:
        browser.stop()
