"""Bad files to the admin API and `lrs roster import`: each is a clear message naming the line (400 or
413, exit code 2), never a 500 or a traceback, and a huge file is refused before it is read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lrs.csv_safety import csv_text, safe_cell
from lrs.text_files import decode_text
from tests.lrs.programme.definitions import EXAMPLES_DIR
from tests.lrs_server import RunningLrs, running_lrs

HEADER = "name,work email,council\n"
GOOD_ROW = "Priya Shah,priya.shah@ashbourne-vale.gov.example,ashbourne-vale-dc\n"
LATIN1 = (HEADER + GOOD_ROW + "José Núñez,jose@ashbourne-vale.gov.example,ashbourne-vale-dc\n").encode(
    "latin-1"
)
BAD_FILES = {
    "latin-1": (LATIN1, "line 3 is not UTF-8 (byte 0xE9"),
    "utf-16": ((HEADER + GOOD_ROW).encode("utf-16"), "the file is UTF-16 text"),
    "utf-16 without BOM": ((HEADER + GOOD_ROW).encode("utf-16-le"), "the file is UTF-16 text"),
    "binary (xlsx)": (b"PK\x03\x04\x14\x00\x06\x00" + os.urandom(64), "not a text file"),
    "NUL in a name": (
        (HEADER + GOOD_ROW + "Ada\x00,ada@x.gov.example,ashbourne-vale-dc\n").encode(),
        "line 3",
    ),
    "field over 128 KiB": (
        (HEADER + "A" * 140_000 + ",a@x.gov.example,x\n").encode(),
        "line 2 is longer than",
    ),
    "quoted field over 128 KiB": (
        (HEADER + '"' + "A\n" * 70_000 + '",a@x.gov.example,x\n').encode(),
        "line 2: field larger than field limit",
    ),
}
ROSTER_PATH = "/admin/cohorts/lal-2025-autumn/roster"


@pytest.fixture
async def server(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    """SQLite only: every file here is refused before storage is reached."""
    async with running_lrs(sqlite_url, programmes_dir=str(EXAMPLES_DIR)) as running:
        yield running


@pytest.mark.parametrize("kind", list(BAD_FILES))
async def test_roster_upload_of_a_bad_file(server: RunningLrs, kind: str) -> None:
    raw, words = BAD_FILES[kind]
    response = await server.request("POST", ROSTER_PATH, data=raw, headers={"Content-Type": "text/csv"})
    body = await response.json()
    assert response.status == 400, body
    assert body["field"] == "roster" and words in body["message"], body["message"]
    cohort = await (await server.request("GET", "/admin/cohorts/lal-2025-autumn")).json()
    assert cohort["roster"] == []


async def test_programme_put_of_bad_bodies(server: RunningLrs) -> None:
    path = "/admin/programmes/learn-adapt-lead"
    json_type = {"Content-Type": "application/json"}
    latin = await server.request("PUT", path, data='{"title": "Café"}'.encode("latin-1"), headers=json_type)
    assert latin.status == 400 and "line 1 is not UTF-8" in (await latin.json())["message"]
    deep = await server.request("PUT", path, data="[" * 10_000 + "]" * 10_000, headers=json_type)
    assert deep.status == 413 and "nested deeper than" in (await deep.json())["message"]
    wide = await server.request("PUT", path, data=b"\xff\xfe{\x00}\x00", headers=json_type)
    assert wide.status == 400 and "UTF-16" in (await wide.json())["message"]
    listed = await (await server.request("GET", "/admin/programmes")).json()
    assert {item["version"] for item in listed["programmes"]} == {1}


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LRS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "LRS_PROGRAMMES_DIR": str(EXAMPLES_DIR),
        "LRS_LOG_LEVEL": "WARNING",
    }


def _import(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lrs", "roster", "import", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_roster_import_of_bad_files_never_ends_in_a_traceback(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    for kind in ("field over 128 KiB", "latin-1", "binary (xlsx)"):
        path = tmp_path / "roster.csv"
        path.write_bytes(BAD_FILES[kind][0])
        done = _import(path, cli_env)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert BAD_FILES[kind][1] in done.stderr, done.stderr


def _peak_kib_of_import(path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], int]:
    """`lrs roster import PATH` in a child that reports its peak resident memory last."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, sys; from lrs.cli import main; code = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)",
            "roster",
            "import",
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, int(done.stderr.strip().splitlines()[-1])


def test_cli_refuses_a_1_gb_single_line_file_without_reading_it(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # sparse: a gigabyte of one line, costing no disk
        handle.write(HEADER.encode())
        handle.truncate(1 << 30)
    small = tmp_path / "small.csv"
    small.write_bytes(BAD_FILES["latin-1"][0])
    done, peak_kib = _peak_kib_of_import(huge, cli_env)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "1,073,741,824 bytes, over the limit of" in done.stderr
    _, baseline_kib = _peak_kib_of_import(small, cli_env)
    assert peak_kib < baseline_kib + 64 * 1024, (
        f"peak {peak_kib} KiB against {baseline_kib} KiB for a small file"
    )


def test_decode_text_accepts_utf8_with_a_bom() -> None:
    assert decode_text("\ufeffname\nJosé\n".encode(), field="roster") == "name\nJosé\n"
    with pytest.raises(Exception, match="line 2 is longer than 10 characters"):
        decode_text(b"short\n" + b"x" * 11 + b"\nshort", field="roster", max_line_chars=10)


def test_formula_cells_are_neutralised() -> None:
    for dangerous in ('=HYPERLINK("https://evil.example","Click")', "+44 1632", "-1+1", "@SUM(A1)", "\t=1"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Priya Shah") == "Priya Shah" and safe_cell(-3) == "-3" and safe_cell(None) == ""
    text = csv_text(["name", "hours"], [["=1+1", 2.5], ["Ada, Countess", -1]])
    assert text == 'name,hours\r\n\'=1+1,2.5\r\n"Ada, Countess",-1\r\n'
    assert json.dumps(text)  # plain text, ready to send
