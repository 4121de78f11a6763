"""`lrs programme validate|load|list` and `lrs roster import FILE.csv`.

Exit codes: 0 success; 1 a definition is invalid or a roster row was rejected; 2 unusable input
(missing file, bad CSV header, unknown cohort, database error).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from lrs.cli_progress import progress_printer
from lrs.clock import utc_now
from lrs.errors import LrsError
from lrs.programme.fields import DefinitionError
from lrs.programme.loader import check_programme_templates, load_programme_file, load_programme_paths
from lrs.programme.model import Programme
from lrs.programme.queries import cohort_record
from lrs.programme.roster import RosterReport, parse_roster_csv
from lrs.programme.roster_import import import_roster
from lrs.programme.store import list_programmes, save_programmes
from lrs.settings import Settings
from lrs.storage.engine import Database, database_in_use, open_database
from lrs.storage.schema import migrate
from lrs.text_files import read_text_file

COMMANDS = frozenset({"programme", "roster"})


def add_programme_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    programme = commands.add_parser("programme", help="programme definitions (config/programmes/*.toml)")
    actions = programme.add_subparsers(dest="action", required=True)
    for name, text in (
        ("validate", "check definition files"),
        ("load", "validate, then save to the database"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("paths", nargs="*", type=Path, help="files or folders (default: programmes_dir)")
    listing = actions.add_parser("list", help="programmes in the database")
    listing.add_argument("--json", action="store_true")

    roster = commands.add_parser("roster", help="cohort rosters")
    roster_actions = roster.add_subparsers(dest="action", required=True)
    load = roster_actions.add_parser("import", help="enrol learners from a CSV file (see docs/programmes.md)")
    load.add_argument("file", type=Path)
    load.add_argument("--cohort", help="cohort for rows without one (rows naming another are rejected)")
    load.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    load.add_argument("--accept-valid", action="store_true", help="import the valid rows even if some fail")
    load.add_argument("--account-home-page", help="record employee numbers as xAPI accounts on this homePage")
    load.add_argument("--json", action="store_true", help="print the report as JSON")


async def run_programme_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        if args.command == "programme" and args.action == "validate":
            _read_definitions(args.paths, settings)
            return 0
        database = open_database(settings.database_url)
        try:
            await migrate(database)
            if args.command == "roster" or args.action == "load":
                print(database_in_use(database), file=sys.stderr)
            if args.command == "roster":
                return await _import_roster(database, args)
            return await _programmes(database, settings, args)
        finally:
            await database.dispose()
    except DefinitionError as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 1
    except (LrsError, OSError, UnicodeDecodeError, ValueError) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2


def _read_definitions(paths: Sequence[Path], settings: Settings) -> list[tuple[Path, Programme]]:
    loaded: list[tuple[Path, Programme]] = []
    for path in paths or [Path(settings.programmes_dir)]:
        if path.is_dir():
            loaded += load_programme_paths(path)
        else:
            loaded.append((path, load_programme_file(path)))
    for path, programme in loaded:
        check_programme_templates(programme, Path(settings.programmes_dir), str(path))
    for path, programme in loaded:
        counts = f"{len(programme.cohorts)} cohorts, {len(programme.modules)} modules, "
        print(f"ok  {path}: {programme.id} ({counts}{len(programme.sessions)} sessions)")
    return loaded


async def _programmes(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "load":
        loaded = _read_definitions(args.paths, settings)
        async with database.write_session() as session, session.begin():
            results = await save_programmes(session, loaded, now=utc_now())
        for result in results:
            state = "saved" if result.changed else "unchanged"
            print(f"{result.programme_id}: {state} (version {result.version})")
        return 0
    async with database.read_session() as session:
        summaries = await list_programmes(session)
    if args.json:
        rows = [{"id": item.id, "title": item.title, "version": item.version} for item in summaries]
        print(json.dumps(rows))
    for item in [] if args.json else summaries:
        print(f"{item.id:36} v{item.version:<4} {item.title}")
    return 0


async def _import_roster(database: Database, args: argparse.Namespace) -> int:
    rows = parse_roster_csv(read_text_file(args.file, field=str(args.file)))
    async with database.write_session() as session, session.begin():
        if args.cohort:
            await cohort_record(session, args.cohort)
        report = await import_roster(
            session,
            rows,
            cohort_id=args.cohort,
            accept_valid=args.accept_valid,
            dry_run=args.dry_run,
            account_home_page=args.account_home_page,
            now=utc_now(),
            progress=progress_printer("roster import"),
        )
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        _print_report(report)
    return 1 if report.rejected else 0


def _print_report(report: RosterReport) -> None:
    print(f"{'line':>5}  {'outcome':12} {'cohort':24} {'email':36} detail")
    for row in report.rows:
        changes = [f"{name} (cleared)" if name in row.cleared else name for name in row.changes]
        detail = row.reason or ", ".join(changes)
        print(f"{row.line:>5}  {row.outcome.value:12} {row.cohort_id:24} {row.email:36} {detail}")
    shown = ("created", "updated") if report.written else ("would create", "would update")
    counts = ", ".join(
        f"{count} {outcome}"
        for outcome, count in report.counts().items()
        if outcome in (*shown, "unchanged", "rejected")
    )
    if report.dry_run:
        verdict = "dry run: nothing written"
    elif report.written:
        verdict = "written"
    else:
        verdict = "nothing written: fix the rejected rows or use --accept-valid"
    print(f"{counts}; {verdict}")
