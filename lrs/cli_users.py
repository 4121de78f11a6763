"""`lrs users create EMAIL --role admin|facilitator|hr [--organisation ID ...] --password-stdin`:
staff accounts for the dashboards (docs/dashboards.md)."""

from __future__ import annotations

import argparse
import sys

from lrs.clock import utc_now
from lrs.dashboard.users import ROLES, create_staff_user
from lrs.errors import LrsError
from lrs.settings import Settings
from lrs.storage.engine import database_in_use, open_database
from lrs.storage.schema import migrate

COMMAND = "users"


def add_user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser(COMMAND, help="staff accounts for the dashboards")
    actions = users.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a staff account with a local password")
    create.add_argument("email", help="the person's work e-mail (their sign-in name)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument(
        "--organisation", action="append", default=[], help="a council an hr user may see (repeatable)"
    )
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input (first line)"
    )


async def run_user_command(settings: Settings, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else ""
    if not password:
        print("lrs: give the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        print(database_in_use(database), file=sys.stderr)
        async with database.write_session() as session, session.begin():
            viewer = await create_staff_user(
                session,
                email=args.email,
                role=args.role,
                organisations=tuple(args.organisation),
                password=password,
                now=utc_now(),
            )
        scope = f" for {', '.join(sorted(viewer.organisations))}" if viewer.organisations else ""
        print(f"created {viewer.role} {viewer.email}{scope}; sign in at /sign-in")
        return 0
    except (LrsError, ValueError) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()
