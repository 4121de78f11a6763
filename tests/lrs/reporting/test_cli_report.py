"""`lrs report completions` writes every record to --out, quietly when piped, and refuses a bad --since."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from lrs.progress import verbs
from tests.conftest import migrated_database
from tests.lrs.progress.cohort import BASE, statement
from tests.lrs.reporting.support import projecting


def _lrs(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LRS_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "lrs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _cohort(url: str) -> None:
    async with migrated_database(url) as database:
        cohort = await projecting(database, ["zoe@north.gov.uk", "yan@north.gov.uk"])
        await cohort.post([statement("zoe@north.gov.uk", verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])


def test_report_completions_in_each_format(sqlite_url: str, tmp_path: Path) -> None:
    asyncio.run(_cohort(sqlite_url))
    out = tmp_path / "c.csv"
    done = _lrs(
        sqlite_url,
        "report",
        "completions",
        "--format",
        "csv",
        "--organisation",
        "north-council",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "wrote 12 record(s)" in done.stderr
    assert len(list(csv.reader(out.read_text(encoding="utf-8").splitlines()))) == 13
    json_out = tmp_path / "c.json"
    assert (
        _lrs(sqlite_url, "report", "completions", "--format", "json", "--out", str(json_out)).returncode == 0
    )
    assert len(json.loads(json_out.read_text())) == 12
    xlsx_out = tmp_path / "c.xlsx"
    assert (
        _lrs(
            sqlite_url,
            "report",
            "completions",
            "--format",
            "xlsx",
            "--cohort",
            "lead-1",
            "--out",
            str(xlsx_out),
        ).returncode
        == 0
    )
    workbook = load_workbook(xlsx_out, read_only=True)
    rows = list(workbook["Completions"].iter_rows(values_only=True))
    workbook.close()
    assert len(rows) == 13
    other = tmp_path / "none.csv"
    assert (
        _lrs(
            sqlite_url, "report", "completions", "--organisation", "elsewhere", "--out", str(other)
        ).returncode
        == 0
    )
    assert len(other.read_text().splitlines()) == 1


def test_a_bad_since_is_refused_naming_the_option(sqlite_url: str, tmp_path: Path) -> None:
    done = _lrs(sqlite_url, "report", "completions", "--since", "last week", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "--since" in done.stderr
