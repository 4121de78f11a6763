"""`lrs backup FILE` and `lrs restore FILE --yes` (see lrs.storage.backup and docs/operations.md).

Exit codes: 0 done; 2 the backup or restore could not be made (the message says why)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from lrs.settings import Settings
from lrs.storage.backup import BackupError, backup_store, restore_store
from lrs.storage.engine import open_database
from lrs.storage.schema import migrate

COMMANDS = frozenset({"backup", "restore"})


def add_backup_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser("backup", help="write a consistent copy of the store to FILE (online)")
    backup.add_argument("file", type=Path)
    restore = commands.add_parser("restore", help="replace the store with the backup FILE")
    restore.add_argument("file", type=Path)
    restore.add_argument("--yes", action="store_true", help="confirm: every row is replaced by the backup's")


async def run_backup_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        if args.command == "backup":
            written = await asyncio.to_thread(backup_store, settings.database_url, args.file)
            print(f"wrote {args.file}: {written}")
            return 0
        if not args.yes:
            print(
                "lrs: restore replaces every row of the store with the backup's: add --yes", file=sys.stderr
            )
            return 2
        print(await asyncio.to_thread(restore_store, settings.database_url, args.file))
    except (BackupError, OSError) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    database = open_database(settings.database_url)
    try:
        await migrate(database)  # a backup from an older release is brought up to this one
    finally:
        await database.dispose()
    return 0
