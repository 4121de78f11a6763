"""`lrs users create EMAIL --role admin|facilitator|hr [--organisation ID ...] --password-stdin`:
staff accounts for the dashboards (docs/dashboards.md)."""

from __future__ import annotations

import argparse
import sys

from lrs.clock import utc_now
from lrs.dashboard.users import ROLES, create_staff_user, disable_staff_user, staff_accounts
from lrs.errors import LrsError
from lrs.settings import Settings
from lrs.storage.engine import Database, database_in_use, open_database
from lrs.storage.schema import migrate

COMMAND = "users"


def add_user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`lrs users create | list | disable`."""
    users = commands.add_parser(COMMAND, help="staff accounts for the dashboards")
    actions = users.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a staff account with a local password")
    create.add_argument("email", help="the person's work e-mail (their sign-in name)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument(
        "--organisation", action="append", default=[], help="a council an hr user may see (repeatable)"
    )
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (first line); without it, Entra ID sign-in only",
    )
    actions.add_parser("list", help="list staff accounts (e-mail, role, councils, state)")
    disable = actions.add_parser("disable", help="disable an account; its sessions end at once")
    disable.add_argument("email")


async def run_user_command(settings: Settings, args: argparse.Namespace) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        if args.action == "list":
            return await _list(database)
        print(database_in_use(database), file=sys.stderr)
        if args.action == "disable":
            return await _disable(database, args.email)
        return await _create(database, args)
    finally:
        await database.dispose()


async def _list(database: Database) -> int:
    async with database.read_session() as session:
        accounts = await staff_accounts(session)
    print(f"{'email':40} {'role':12} {'state':9} {'sign-in':9} councils")
    for account in accounts:
        state = "disabled" if account.disabled else "active"
        sign_in = "password" if account.local_password else "entra id"
        print(f"{account.email:40} {account.role:12} {state:9} {sign_in:9} {' '.join(account.organisations)}")
    return 0


async def _disable(database: Database, email: str) -> int:
    async with database.write_session() as session, session.begin():
        found = await disable_staff_user(session, email, utc_now())
    if not found:
        print(f"lrs: no staff account {email}", file=sys.stderr)
        return 1
    print(f"disabled {email}; its sessions have ended")
    return 0


async def _create(database: Database, args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else ""
    if args.password_stdin and not password:
        print("lrs: password: nothing on standard input", file=sys.stderr)
        return 2
    try:
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
        how = "sign in at /sign-in" if password else "no password: signs in with Entra ID only"
        print(f"created {viewer.role} {viewer.email}{scope}; {how}")
        return 0
    except (LrsError, ValueError) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
