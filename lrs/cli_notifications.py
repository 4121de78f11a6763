"""`lrs notifications plan|preview|log|replay`: the communications calendar, what a message would say,
what was sent, and sending dead messages again."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lrs.clock import utc_now
from lrs.programme.model import DEFAULT_TIMEZONE
from lrs.settings import Settings
from lrs.storage.engine import Database, open_database
from lrs.storage.schema import migrate
from notifications.content import Content, default_renderer
from notifications.facts import LinkSigner
from notifications.install import link_key
from notifications.preview import PreviewProblem, preview
from notifications.records import PlanRecord, ScheduleFilter, attempts_by_key, plan_records
from notifications.replay import replay_dead
from notifications.rules import parse_rules
from notifications.schedule import PlanState
from notifications.templates import TemplateProblem
from notifications.weekly import WEEKLY_RULES
from notifications.weekly_preview import DEFAULT_CHANNELS, WeeklyPreviewProblem, preview_weekly

COMMAND = "notifications"
PREVIEW_CHANNELS = ("teams", "email", "teams_channel", "local")


def add_notification_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("notifications", help="planned messages: calendar, preview, log, replay")
    actions = parser.add_subparsers(dest="action", required=True)
    plan = actions.add_parser("plan", help="every planned message of a cohort, with its due time")
    plan.add_argument("--cohort", required=True)
    plan.add_argument("--from", dest="start", type=_day, help="first day (YYYY-MM-DD, Europe/London)")
    plan.add_argument("--to", dest="end", type=_day, help="last day, included")
    plan.add_argument("--json", action="store_true")
    log = actions.add_parser("log", help="planned messages with their delivery attempts")
    log.add_argument("--learner", help="the learner's email")
    log.add_argument("--cohort")
    log.add_argument("--state", choices=[state.value for state in PlanState])
    log.add_argument("--json", action="store_true")
    shown = actions.add_parser("preview", help="render what a rule would send a learner, without sending")
    shown.add_argument("rule")
    shown.add_argument("--learner", help="the learner's email (team_digest: a programme team address)")
    shown.add_argument("--cohort", required=True)
    shown.add_argument("--channel", choices=PREVIEW_CHANNELS, help="one channel (default: teams and email)")
    shown.add_argument("--at", type=_moment, help="as at this time (ISO 8601; default now)")
    replay = actions.add_parser("replay", help="send dead messages again")
    replay.add_argument("--dead", action="store_true", required=True, help="replay dead messages")
    replay.add_argument("--key", help="only this planned message")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date-time like 2026-01-31T09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def _start_of(day: date | None, *, next_day: bool = False) -> datetime | None:
    if day is None:
        return None
    moment = datetime.combine(day, time(0), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    if next_day:
        moment = datetime.combine(
            date.fromordinal(day.toordinal() + 1), time(0), tzinfo=ZoneInfo(DEFAULT_TIMEZONE)
        )
    return moment.astimezone(UTC)


async def run_notification_command(settings: Settings, args: argparse.Namespace) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        if args.action == "replay":
            replayed = await replay_dead(database, key=args.key, now=utc_now())
            print(f"{replayed} dead message(s) planned again; the worker sends them")
            return 0
        if args.action == "preview":
            return await _preview(database, settings, args)
        return await _listing(database, args)
    finally:
        await database.dispose()


async def _listing(database: Database, args: argparse.Namespace) -> int:
    if args.action == "plan":
        wanted = ScheduleFilter(
            cohort=args.cohort, start=_start_of(args.start), end=_start_of(args.end, next_day=True)
        )
    else:
        wanted = ScheduleFilter(cohort=args.cohort, learner_email=args.learner, state=args.state)
    async with database.read_session() as session:
        records = await plan_records(session, wanted)
        attempts = await attempts_by_key(session, records) if args.action == "log" else {}
    if args.json:
        rows = [_with_attempts(record.as_json(), attempts.get(record.key)) for record in records]
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    _print_table(records, attempts)
    return 0


async def _preview(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    if args.rule in WEEKLY_RULES:
        return await _preview_weekly(database, settings, args)
    if not args.learner:
        print(f"lrs: --learner: required for {args.rule} (the learner's email)", file=sys.stderr)
        return 2
    channels = [args.channel] if args.channel else ["teams", "email"]
    try:
        links = LinkSigner(await link_key(database, settings), settings.base_url)
        async with database.read_session() as session:
            shown = await preview(
                session,
                default_renderer(),
                rule=args.rule,
                email=args.learner,
                cohort_id=args.cohort,
                channels=channels,
                at=args.at or utc_now(),
                links=links,
                templates_root=Path(settings.programmes_dir),
            )
    except (PreviewProblem, TemplateProblem) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    for item in shown:
        _print_content(item.channel, item.key, item.content)
    return 0


async def _preview_weekly(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    try:
        async with database.read_session() as session:
            shown = await preview_weekly(
                session,
                parse_rules(settings.notifications, path="notifications"),
                rule=args.rule,
                cohort_id=args.cohort,
                email=args.learner,
                channels=[args.channel] if args.channel else DEFAULT_CHANNELS[args.rule],
                at=args.at or utc_now(),
                base_url=settings.base_url,
                templates_root=Path(settings.programmes_dir),
            )
    except (WeeklyPreviewProblem, TemplateProblem) as err:
        print(f"lrs: {err}", file=sys.stderr)
        return 2
    for item in shown:
        _print_content(item.channel, item.key, item.content)
        if item.note:
            print(f"-- {item.note}\n")
    return 0


def _print_content(channel: str, key: str, content: Content) -> None:
    print(f"== {channel} ({key})\nSubject: {content.subject}\n\n{content.text}")
    if content.activity_text:
        print(f"\n-- activity feed text\n{content.activity_text}")
    if content.html:
        print(f"\n-- html\n{content.html}")
    if content.card:
        print(f"\n-- adaptive card\n{json.dumps(content.card, indent=2)}")
    print()


def _with_attempts(row: dict[str, Any], attempts: list[dict[str, Any]] | None) -> dict[str, Any]:
    return row if attempts is None else {**row, "attempts": attempts}


def _print_table(records: list[PlanRecord], attempts: dict[str, list[dict[str, Any]]]) -> None:
    print(
        f"{'due (Europe/London)':26} {'due (UTC)':20} {'rule':18} {'channel':9} {'state':10} learner / reason"
    )
    for record in records:
        row = record.as_json()
        local = row["due_at_local"][:16].replace("T", " ")
        utc = row["due_at"][:16].replace("T", " ")
        reason = f" ({record.reason})" if record.reason else ""
        channel = record.channel or "-"
        print(
            f"{local:26} {utc:20} {record.rule:18} {channel:9} {record.state:10} "
            f"{record.learner or '-'}{reason}"
        )
        for attempt in attempts.get(record.key, []):
            print(
                f"{'':26} attempt {attempt['number']} via {attempt['channel']}: "
                f"{attempt['outcome']} {attempt['detail'] or ''}"
            )
    if not records:
        print("(no planned messages)")
