"""`lrs report completions --format csv|xlsx|json --out FILE`: the HR completions export to a file,
with a progress bar on a terminal and nothing on stdout when piped."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

from rich.progress import Progress
from sqlalchemy import func, select

from lrs.errors import InvalidRequest
from lrs.reporting.csv_lines import csv_pass
from lrs.reporting.export import CSV_PLAIN, csv_header, whole_pass
from lrs.reporting.filters import CompletionFilters, parse_filters
from lrs.reporting.flat import FlatRow, flat_pass
from lrs.reporting.queries import pass_upper_bound
from lrs.reporting.records import CompletionRecord
from lrs.reporting.xlsx import write_xlsx
from lrs.settings import Settings
from lrs.storage.engine import Database, open_database
from lrs.storage.report_models import ProgressChange
from lrs.storage.schema import migrate

REPORT_COMMAND = "report"


def add_report_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser("report", help="HR reports")
    kinds = report.add_subparsers(dest="report", required=True)
    completions = kinds.add_parser("completions", help="completion records (docs/reporting.md)")
    completions.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    completions.add_argument("--organisation", action="append", default=[], help="repeatable")
    completions.add_argument("--cohort")
    completions.add_argument("--since", help="a high_watermark or an ISO 8601 time with a timezone")
    completions.add_argument("--out", required=True, type=Path)


async def run_report_command(settings: Settings, args: argparse.Namespace) -> int:
    params = {
        "organisation": ",".join(args.organisation),
        "cohort": args.cohort or "",
        "since": args.since or "",
    }
    try:
        filters = parse_filters(params)
    except InvalidRequest as err:
        print(f"lrs: --{err.field}: {err.message}", file=sys.stderr)
        return 2
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        total = await _expected_rows(database)
        count = await _export(database, filters, args.format, args.out, total, show=sys.stderr.isatty())
    finally:
        await database.dispose()
    print(f"wrote {count} record(s) to {args.out}", file=sys.stderr)
    return 0


async def _expected_rows(database: Database) -> int:
    """An upper estimate for the progress bar: every record below the pass's bound."""
    async with database.read_session() as session:
        upper = await pass_upper_bound(session)
        counted = await session.scalar(select(func.count()).where(ProgressChange.change_seq < upper))
    return int(counted or 0)


async def _export(
    database: Database, filters: CompletionFilters, chosen: str, out: Path, total: int, *, show: bool
) -> int:
    with Progress(disable=not show, transient=True) as progress:
        task = progress.add_task("completions", total=total)

        async def records() -> AsyncIterator[list[CompletionRecord]]:
            async for page in whole_pass(database, filters):
                progress.advance(task, len(page))
                yield page

        async def rows() -> AsyncIterator[list[FlatRow]]:
            async for page in flat_pass(database, filters):
                progress.advance(task, len(page))
                yield page

        if chosen == "xlsx":
            return await write_xlsx(rows(), out)
        with out.open("w", encoding="utf-8", newline="") as stream:
            if chosen == "json":
                return await _write_json(records(), stream)
            stream.write(csv_header(CSV_PLAIN))
            count = 0
            async for text, lines in csv_pass(database, filters, CSV_PLAIN):
                stream.write(text)
                count += lines
                progress.advance(task, lines)
            return count


async def _write_json(pages: AsyncIterator[list[CompletionRecord]], stream: TextIO) -> int:
    """JSON Lines would be easier to stream, but HR tools want one array: written a record at a time."""
    stream.write("[")
    count = 0
    async for page in pages:
        for record in page:
            stream.write(("," if count else "") + "\n" + json.dumps(record.as_json()))
            count += 1
    stream.write("\n]\n")
    return count
