"""The `lrs` console command."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Collection, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lrs.attendance.cli import ATTENDANCE_COMMAND, add_attendance_commands, run_attendance_command
from lrs.cli_audit import COMMAND as AUDIT_COMMAND
from lrs.cli_audit import add_audit_command, run_audit_command
from lrs.cli_backup import COMMANDS as BACKUP_COMMANDS
from lrs.cli_backup import add_backup_commands, run_backup_command
from lrs.cli_check_config import COMMAND as CHECK_CONFIG_COMMAND
from lrs.cli_check_config import add_check_config_command, run_check_config
from lrs.cli_events import COMMAND as EVENTS_COMMAND
from lrs.cli_events import add_event_commands, run_event_command
from lrs.cli_notifications import COMMAND as NOTIFICATIONS_COMMAND
from lrs.cli_notifications import add_notification_commands, run_notification_command
from lrs.cli_person import COMMAND as PERSON_COMMAND
from lrs.cli_person import add_person_commands, run_person_command
from lrs.cli_programme import COMMANDS as PROGRAMME_COMMANDS
from lrs.cli_programme import add_programme_commands, run_programme_command
from lrs.cli_report import REPORT_COMMAND, add_report_commands, run_report_command
from lrs.cli_users import COMMAND as USERS_COMMAND
from lrs.cli_users import add_user_commands, run_user_command
from lrs.cli_worker import COMMANDS as WORKER_COMMANDS
from lrs.cli_worker import add_worker_commands, run_worker_command
from lrs.clock import utc_now
from lrs.logs import configure_logging
from lrs.serving import run_servers
from lrs.settings import Settings, SettingsError, load_settings
from lrs.storage.audit import CLI_ACTOR, record_audit
from lrs.storage.credentials import (
    CredentialInfo,
    create_credential,
    list_credentials,
    load_hash_key,
    revoke_credential,
)
from lrs.storage.engine import Database, database_in_use, open_database
from lrs.storage.hash_key import HashKeyError
from lrs.storage.schema import migrate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrs", description="cohort-lrs: xAPI Learning Record Store")
    parser.add_argument(
        "--config", help="settings TOML file (default: $LRS_CONFIG, then config/settings.toml)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server (migrates the schema first)")
    serve.add_argument("--host", help="address to listen on (default: the host setting, LRS_HOST)")
    serve.add_argument("--port", type=int, help="port (default: the port setting, 8080; LRS_PORT)")
    serve.add_argument(
        "--demo", action="store_true", help="load the demo programme and print demo credentials"
    )
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        help="server processes sharing the port (use with PostgreSQL to serve from every core)",
    )

    commands.add_parser("migrate", help="create or upgrade the database schema")

    credentials = commands.add_parser("credentials", help="manage HTTP Basic credentials")
    actions = credentials.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="issue a credential (the secret is shown once)")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", default="all", help="space or comma separated xAPI scopes (default: all)")
    create.add_argument("--json", action="store_true", help='print {"key": ..., "secret": ...} only')
    create.add_argument(
        "--organisation",
        action="append",
        default=[],
        help="with --scope reports/read: this council (repeatable)",
    )
    listing = actions.add_parser("list", help="list credentials")
    listing.add_argument("--json", action="store_true")
    revoke = actions.add_parser("revoke", help="revoke a credential by key")
    revoke.add_argument("key")

    add_programme_commands(commands)
    add_attendance_commands(commands)
    add_worker_commands(commands)
    add_audit_command(commands)
    add_backup_commands(commands)
    add_check_config_command(commands)
    add_notification_commands(commands)
    add_report_commands(commands)
    add_person_commands(commands)
    add_event_commands(commands)
    add_user_commands(commands)
    _add_connector_commands(commands)
    return parser


def _add_connector_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from connectors.cli import add_subcommands

    add_subcommands(commands)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except SettingsError as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    try:
        configure_logging(settings.log_level, settings.log_format)
    except ValueError as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return serve(settings, args)
    return asyncio.run(_command_for(args.command)(settings, args))


def _command_for(command: str) -> Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]:
    """The async runner of a command other than `serve`."""
    runners: list[
        tuple[Collection[str], Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]]
    ] = [
        (PROGRAMME_COMMANDS, run_programme_command),
        ({USERS_COMMAND}, run_user_command),
        ({PERSON_COMMAND}, run_person_command),
        (WORKER_COMMANDS, run_worker_command),
        ({NOTIFICATIONS_COMMAND}, run_notification_command),
        ({REPORT_COMMAND}, run_report_command),
        ({ATTENDANCE_COMMAND}, run_attendance_command),
        ({CHECK_CONFIG_COMMAND}, run_check_config),
        (BACKUP_COMMANDS, run_backup_command),
        ({AUDIT_COMMAND}, run_audit_command),
        ({EVENTS_COMMAND}, run_event_command),
        ({"connectors"}, _connectors),
    ]
    for names, runner in runners:
        if command in names:
            return runner
    return _run_async


async def _connectors(settings: Settings, args: argparse.Namespace) -> int:
    """`lrs connectors ...` with the LRS's durable suppression list: addresses that bounced stay blocked."""
    from connectors.cli import run
    from notifications.suppression import StoredSuppressionList

    database = open_database(settings.database_url)
    try:
        await migrate(database)
        return await run(args, settings.connectors, suppression=StoredSuppressionList(database))
    finally:
        await database.dispose()


async def _run_async(settings: Settings, args: argparse.Namespace) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        if args.command == "migrate":
            print(f"schema up to date on {database.writer.url.render_as_string(hide_password=True)}")
            return 0
        return await _credentials(database, settings, args)
    except ValueError as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()


async def _credentials(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    if args.action in ("create", "revoke"):
        print(database_in_use(database), file=sys.stderr)
    async with database.write_session() as session, session.begin():
        hash_key = await load_hash_key(session, settings.secret_key, Path(settings.hash_key_file))
        if args.action == "create":
            issued = await create_credential(
                session,
                name=args.name,
                scopes=args.scope,
                hash_key=hash_key,
                now=utc_now(),
                organisations=args.organisation,
            )
            await record_audit(
                session,
                at=utc_now(),
                actor=CLI_ACTOR,
                action="credential.create",
                target=issued.info.key,
                detail={"scopes": sorted(issued.info.scopes)},
            )
            if args.json:
                print(json.dumps({"key": issued.info.key, "secret": issued.secret}))
            else:
                print(f"key:    {issued.info.key}\nsecret: {issued.secret}\n(the secret is not shown again)")
            return 0
        if args.action == "list":
            return _print_credentials(await list_credentials(session), as_json=args.json)
        if await revoke_credential(session, key=args.key, now=utc_now()):
            await record_audit(
                session, at=utc_now(), actor=CLI_ACTOR, action="credential.revoke", target=args.key
            )
            print(f"revoked {args.key}")
            return 0
        print(f"lrs: no credential with key {args.key}", file=sys.stderr)
        return 1


def _print_credentials(items: Sequence[CredentialInfo], *, as_json: bool) -> int:
    if as_json:
        rows = [
            {
                "key": item.key,
                "name": item.name,
                "scopes": sorted(item.scopes),
                "created_at": item.created_at.isoformat(),
                "revoked": item.revoked_at is not None,
            }
            for item in items
        ]
        print(json.dumps(rows))
        return 0
    print(f"{'key':20}  {'state':8} {'scopes':30} name")
    for item in items:
        state = "revoked" if item.revoked_at is not None else "active"
        print(f"{item.key}  {state:8} {' '.join(sorted(item.scopes)):30} {item.name}")
    return 0


def serve(settings: Settings, args: argparse.Namespace) -> int:
    settings = replace(
        settings,
        host=args.host or settings.host,
        port=args.port or settings.port,
        demo=args.demo or settings.demo,
    )
    try:
        return run_servers(settings, args.processes)
    except HashKeyError as err:  # a missing or wrong key file: say what to do, not a traceback
        print(f"lrs: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
