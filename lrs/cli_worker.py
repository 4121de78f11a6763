"""`lrs worker` (consume the outbox; run one per process, several on PostgreSQL) and
`lrs progress rebuild` (recompute every progress projection from stored statements)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from lrs.cli_progress import progress_printer, show_progress
from lrs.clock import utc_now
from lrs.privacy.retention import arm_retention
from lrs.progress.install import arm_all_session_timers, event_worker, progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import open_database
from lrs.storage.public_url import with_served_url
from lrs.storage.schema import migrate
from notifications.install import notification_engine

COMMANDS = ("worker", "progress")


def add_worker_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="consume the outbox: progress projection, then plan and send notifications",
        description=(
            "Fire due timers, consume the outbox (progress projection, the notification planner) and send "
            "the planned messages that are due through the configured connectors (with none configured, "
            "to the local channel: .eml and .json files under var/outbox/). Run one per process; several "
            "may share PostgreSQL."
        ),
    )
    worker.add_argument("--once", action="store_true", help="process and send what is due, then exit")
    progress = commands.add_parser("progress", help="progress projections")
    actions = progress.add_subparsers(dest="action", required=True)
    actions.add_parser("rebuild", help="recompute every projection from stored statements")
    show = actions.add_parser(
        "show", help="a cohort's progress: one line per learner, or one learner's items"
    )
    show.add_argument("--cohort", required=True, help="cohort id")
    show.add_argument("--learner", help="work email: show this learner's items")
    show.add_argument("--json", action="store_true", help="print JSON")


async def run_worker_command(settings: Settings, args: argparse.Namespace) -> int:
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        settings = await with_served_url(database, settings)
        if args.command == "progress" and args.action == "show":
            return await show_progress(database, args)
        if args.command == "progress":
            projector = ProgressProjector(progress_options(settings), clock=utc_now)
            report = await rebuild_progress(database, projector, progress=progress_printer("rebuilt"))
            print(f"rebuilt progress for {report.learners} enrolment(s); dropped {report.removed_owners}")
            return 0
        await arm_all_session_timers(database, settings.base_url)
        await arm_retention(database, settings, utc_now)
        async with notification_engine(settings, database, clock=utc_now) as engine:
            worker = event_worker(
                settings, database, clock=utc_now, listeners=engine.listeners, extra_steps=engine.steps
            )
            if args.once:
                print(f"processed {await worker.run_until_idle()} outbox row(s), timer(s) and message(s)")
                return 0
            with contextlib.suppress(asyncio.CancelledError):
                await worker.run()
        return 0
    finally:
        await database.dispose()
