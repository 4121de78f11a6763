"""`lrs audit [--limit N] [--json]`: the audit log, newest first (as GET /admin/audit shows it)."""

from __future__ import annotations

import argparse
import json

from lrs.settings import Settings
from lrs.storage.audit import audit_entries
from lrs.storage.engine import open_database
from lrs.storage.schema import migrate

COMMAND = "audit"


def add_audit_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser(COMMAND, help="the audit log of admin actions, newest first")
    audit.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    audit.add_argument("--json", action="store_true", help="print the entries as JSON")


async def run_audit_command(settings: Settings, args: argparse.Namespace) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        async with database.read_session() as session:
            entries = await audit_entries(session, limit=max(1, args.limit))
    finally:
        await database.dispose()
    if args.json:
        print(json.dumps([entry.as_json() for entry in entries]))
        return 0
    print(f"{'id':>6}  {'at':25} {'actor':28} {'action':22} target")
    for entry in entries:
        at = entry.at.isoformat(timespec="seconds")
        print(f"{entry.id:>6}  {at:25} {entry.actor:28} {entry.action:22} {entry.target}")
    return 0
