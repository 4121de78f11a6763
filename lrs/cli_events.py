"""`lrs events status [--json]` (how far the event pipeline lags) and
`lrs events dead [--replay ID ... | --all] [--json]` (dead letters, with the reason; replay them)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from lrs.clock import utc_now
from lrs.events.dead import dead_letters, replay
from lrs.events.status import pipeline_status
from lrs.settings import Settings
from lrs.storage.engine import open_database
from lrs.storage.schema import migrate

COMMAND = "events"


def add_event_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    events = commands.add_parser("events", help="the event pipeline: lag and dead letters")
    actions = events.add_subparsers(dest="action", required=True)
    status = actions.add_parser("status", help="pending, oldest due, claim time, drain rate, dead letters")
    status.add_argument("--json", action="store_true")
    dead = actions.add_parser("dead", help="list dead letters with their reason, or replay them")
    which = dead.add_mutually_exclusive_group()
    which.add_argument("--replay", type=int, nargs="+", metavar="ID", help="make these due again")
    which.add_argument("--all", action="store_true", help="make every dead letter due again")
    dead.add_argument("--json", action="store_true")


async def run_event_command(settings: Settings, args: argparse.Namespace) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        if args.action == "status":
            status = await pipeline_status(database, utc_now)
            if args.json:
                print(json.dumps(asdict(status)))
            else:
                for name, value in asdict(status).items():
                    print(f"{name.replace('_', ' '):26} {value}")
            return 0
        if args.replay or args.all:
            replayed = await replay(database, None if args.all else args.replay, now=utc_now())
            print(f"replayed {len(replayed)} dead letter(s): {' '.join(map(str, replayed)) or '-'}")
            return 0 if replayed or args.all else 1
        letters = await dead_letters(database, limit=1000)
        if args.json:
            print(json.dumps([asdict(item) for item in letters], default=str))
        else:
            print(f"{'id':>8}  {'topic':28} {'attempts':>8}  {'dead at':25} reason")
            for item in letters:
                dead_at = item.dead_at.isoformat()
                print(f"{item.id:>8}  {item.topic:28} {item.attempts:>8}  {dead_at:25} {item.reason}")
        return 0
    except ValueError as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()
