"""Completions export benchmark: N learners x 12 items in a fresh SQLite store, exported as CSV and as
XLSX through the same code as GET /api/v1/completions. Each export runs in its own process, so its
peak RSS is the export's alone. Prints time, rows/s and peak RSS.

    .venv/bin/python -m bench.reporting --learners 100000
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from lrs.reporting.export import CSV_PLAIN, csv_header, csv_page, whole_pass
from lrs.reporting.filters import CompletionFilters
from lrs.reporting.xlsx import write_xlsx
from lrs.storage.engine import open_database
from lrs.storage.programme_models import LearnerRow, OrganisationRow
from lrs.storage.progress_models import ProgressRecord
from lrs.storage.schema import migrate

ITEMS = [("module", f"m{n}") for n in range(8)] + [("session", f"s{n}") for n in range(3)]
ITEMS.append(("programme", "lead"))
_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def seed(url: str, learners: int) -> None:
    database = open_database(url)
    try:
        await migrate(database)
        async with database.write_session() as session, session.begin():
            await session.execute(
                insert(OrganisationRow),
                [{"id": f"org{n}", "name": f"Council {n}", "sector": "council"} for n in range(50)],
            )
            for start in range(0, learners, 5000):
                people = range(start, min(start + 5000, learners))
                await session.execute(insert(LearnerRow), [_learner(n) for n in people])
                await session.execute(
                    insert(ProgressRecord),
                    [_progress(n + 1, kind, item) for n in people for kind, item in ITEMS],
                )
    finally:
        await database.dispose()


def _learner(n: int) -> dict[str, object]:
    email = f"learner{n}@council{n % 50}.gov.uk"
    return {
        "name": f"Learner {n}",
        "email": email,
        "email_key": email,
        "employee_number": f"E{n:07d}",
        "organisation_id": f"org{n % 50}",
        "role": "Head of Service",
        "created_at": _AT,
        "updated_at": _AT,
    }


def _progress(learner_id: int, kind: str, item: str) -> dict[str, object]:
    done = learner_id % 3 != 0
    return {
        "programme_id": "lead",
        "cohort_id": "lead-1",
        "learner_id": learner_id,
        "item_kind": kind,
        "item_id": item,
        "status": "completed" if done else "in_progress",
        "first_activity_at": _AT,
        "last_activity_at": _AT,
        "completed_at": _AT if done else None,
        "satisfied_at": None,
        "score_scaled": 0.8 if done else None,
        "time_spent_ms": 1_500_000,
    }


async def export(url: str, chosen: str, out: Path) -> int:
    database = open_database(url)
    try:
        pages = whole_pass(database, CompletionFilters())
        if chosen == "xlsx":
            return await write_xlsx(pages, out)
        count = 0
        with out.open("w", encoding="utf-8", newline="") as stream:
            stream.write(csv_header(CSV_PLAIN))
            async for page in pages:
                stream.write(csv_page(page, CSV_PLAIN))
                count += len(page)
        return count
    finally:
        await database.dispose()


def _export_child(url: str, chosen: str, out: Path) -> None:
    started = time.perf_counter()
    rows = asyncio.run(export(url, chosen, out))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = out.stat().st_size / 1e6
    print(
        f"{chosen}: {rows} rows in {seconds:.1f} s, {rows / seconds:,.0f} rows/s,"
        f" peak RSS {peak_mb:.0f} MB, file {size_mb:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--export", choices=("csv", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        _export_child(args.url, args.export, Path(tempfile.mkdtemp()) / f"out.{args.export}")
        return
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'report.db'}"
        started = time.perf_counter()
        asyncio.run(seed(url, args.learners))
        print(
            f"seeded {args.learners} learners x {len(ITEMS)} items in {time.perf_counter() - started:.1f} s"
        )
        for chosen in ("csv", "xlsx"):
            subprocess.run(
                [sys.executable, "-m", "bench.reporting", "--export", chosen, "--url", url], check=True
            )


if __name__ == "__main__":
    main()
