"""The code stays typed (mypy --strict) and lint-clean (ruff): part of the test suite, so the README's
one test command checks it too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["lrs", "connectors", "notifications"]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed in this environment (pip install -e '.[test]')")
    return found


@pytest.mark.timeout(600)
def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", *PACKAGES, "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.timeout(600)
def test_mypy_strict_is_clean() -> None:
    existing = [package for package in PACKAGES if (ROOT / package / "__init__.py").exists()]
    result = subprocess.run(
        [_tool("mypy"), "--strict", *[arg for package in existing for arg in ("-p", package)]],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
