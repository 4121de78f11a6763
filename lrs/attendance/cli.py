"""`lrs attendance ...`: import a CSV register, pull a Teams attendance report, issue a check-in link."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from lrs.attendance.checkin import FacilitatorLink, checkin_path, link_key, sign_link
from lrs.attendance.due import sessions_due_a_pull
from lrs.attendance.register import import_register
from lrs.attendance.rsvp import pull_invite_responses
from lrs.attendance.sessions import SessionPlan, StoredSessionDirectory
from lrs.attendance.statements import Person
from lrs.attendance.teams import AttendancePolicy, graph_client_for, pull_teams_attendance
from lrs.clock import Clock, utc_now
from lrs.errors import LrsError, NotFound
from lrs.settings import Settings
from lrs.statement_service import system_writer
from lrs.storage.credentials import load_hash_key
from lrs.storage.engine import Database, open_database
from lrs.storage.public_url import with_served_url
from lrs.storage.schema import migrate

ATTENDANCE_COMMAND = "attendance"


def add_attendance_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    attendance = commands.add_parser(ATTENDANCE_COMMAND, help="session registers and Teams attendance")
    actions = attendance.add_subparsers(dest="action", required=True)
    register = actions.add_parser("import-register", help="record a facilitator's CSV register")
    register.add_argument("file", type=Path)
    register.add_argument("--session", required=True)
    register.add_argument("--facilitator", required=True, help="the facilitator's work email")
    register.add_argument("--facilitator-name", default="")
    register.add_argument(
        "--accept-valid", action="store_true", help="store the good rows of a file with bad ones"
    )
    teams = actions.add_parser(
        "pull-teams", help="record attendance from the session's Teams meeting reports"
    )
    which = teams.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", help="one session")
    which.add_argument(
        "--due",
        action="store_true",
        help="every online session that ended in the last --days days (run it from a timer)",
    )
    teams.add_argument("--days", type=float, default=7.0, help="with --due: how far back to look (default 7)")
    teams.add_argument("--min-percent", type=float, help="attended: at least this %% of the scheduled time")
    teams.add_argument("--min-minutes", type=int, help="attended: at least this many minutes (wins over %%)")
    teams.add_argument("--late-after", type=int, help="joined more than this many minutes late: marked late")
    rsvps = actions.add_parser(
        "pull-rsvps", help="record invitees' answers (accepted / declined / tentative) from a Graph event"
    )
    rsvps.add_argument("--session", required=True)
    rsvps.add_argument("--event-id", required=True, help="the Graph calendar event id of the invitation")
    link = actions.add_parser(
        "checkin-link", help="a signed check-in page link for one session's facilitator"
    )
    link.add_argument("--session", required=True)
    link.add_argument("--facilitator", required=True, help="the facilitator's work email")
    link.add_argument("--name", default="", help="the facilitator's name, shown on the page")
    link.add_argument("--hours", type=float, default=36.0, help="how long the link works (default 36)")


async def run_attendance_command(
    settings: Settings, args: argparse.Namespace, *, clock: Clock = utc_now
) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        settings = await with_served_url(database, settings)
        if args.action == "import-register":
            return await _import_register(database, settings, args, clock)
        if args.action == "pull-teams":
            return await _pull_teams(database, settings, args, clock)
        if args.action == "pull-rsvps":
            return await _pull_rsvps(database, settings, args, clock)
        return await _checkin_link(database, settings, args, clock)
    except (LrsError, ValueError, OSError) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    finally:
        await database.dispose()


async def _import_register(
    database: Database, settings: Settings, args: argparse.Namespace, clock: Clock
) -> int:
    plan = await StoredSessionDirectory(database).session_plan(args.session)
    report = await import_register(
        database,
        plan,
        args.file.read_text(encoding="utf-8-sig"),
        facilitator=Person(args.facilitator.strip().lower(), args.facilitator_name),
        accept_valid=args.accept_valid,
        writer=system_writer(settings.base_url),
        clock=clock,
    )
    print(json.dumps(report.to_json(), indent=2))
    return 0 if report.stored else 1


async def _pull_teams(database: Database, settings: Settings, args: argparse.Namespace, clock: Clock) -> int:
    if not args.due:
        return await _pull_one(database, settings, args, clock, args.session)
    due = await sessions_due_a_pull(database, now=clock(), lookback=timedelta(days=args.days))
    failures = 0
    for session_id in due:
        print(f"{session_id}:")
        try:
            await _pull_one(database, settings, args, clock, session_id)
        except NotFound as err:  # no report yet: the next run tries again
            print(f"{session_id}: {err}")
        except LrsError as err:
            print(f"{session_id}: FAILED {err}", file=sys.stderr)
            failures += 1
    return 1 if failures else 0


async def _pull_one(
    database: Database, settings: Settings, args: argparse.Namespace, clock: Clock, session_id: str
) -> int:
    plan = await StoredSessionDirectory(database).session_plan(session_id)
    policy = _policy(settings, args, plan)
    graph = graph_client_for(settings.connectors)
    try:
        report = await pull_teams_attendance(
            database, plan, graph=graph, policy=policy, writer=system_writer(settings.base_url), clock=clock
        )
    finally:
        await graph.close()
    for outcome in report.outcomes:
        print(f"{outcome.email:40} {outcome.action.value}")
    if report.unmatched:
        print(f"not on the register (ignored): {', '.join(report.unmatched)}")
    return 0


async def _pull_rsvps(database: Database, settings: Settings, args: argparse.Namespace, clock: Clock) -> int:
    plan = await StoredSessionDirectory(database).session_plan(args.session)
    graph = graph_client_for(settings.connectors)
    try:
        report = await pull_invite_responses(
            database,
            plan,
            graph=graph,
            event_id=args.event_id,
            writer=system_writer(settings.base_url),
            clock=clock,
        )
    finally:
        await graph.close()
    print(f"recorded:   {', '.join(report.recorded) or '-'}")
    print(f"unanswered: {', '.join(report.unanswered) or '-'}")
    if report.unmatched:
        print(f"not invited to this session (ignored): {', '.join(report.unmatched)}")
    return 0


def _policy(settings: Settings, args: argparse.Namespace, plan: SessionPlan) -> AttendancePolicy:
    table: Mapping[str, Any] = settings.attendance
    policy = AttendancePolicy.from_mapping(table)
    threshold = policy.threshold_for(plan)
    if args.min_percent is not None:
        threshold = replace(threshold, min_fraction=args.min_percent / 100)
    if args.min_minutes is not None:
        threshold = replace(threshold, min_minutes=args.min_minutes)
    if args.late_after is not None:
        threshold = replace(threshold, late_after_minutes=args.late_after)
    return replace(policy, sessions={**policy.sessions, plan.session.id: threshold})


async def _checkin_link(
    database: Database, settings: Settings, args: argparse.Namespace, clock: Clock
) -> int:
    plan = await StoredSessionDirectory(database).session_plan(args.session)
    async with database.write_session() as session, session.begin():
        hash_key = await load_hash_key(session, settings.secret_key)
    expires = clock() + timedelta(hours=args.hours)
    link = FacilitatorLink(plan.session.id, Person(args.facilitator.strip().lower(), args.name), expires)
    print(settings.base_url + checkin_path(plan.session.id, sign_link(link, link_key(hash_key))))
    return 0
