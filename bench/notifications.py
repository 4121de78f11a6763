"""Notifications benchmark: planning and re-planning a large programme, a day's due messages, sending.

Each figure is wall-clock seconds, with the process's CPU seconds beside it (other work on a
shared machine stretches the first, not the second). A fresh store gets one programme of
`--cohorts` cohorts (a cohort starting every week, six sessions and three dated modules each) and
`--learners` enrolled learners spread over them. Figures printed:

- plan: the `programme.saved` listener planning every learner's calendar from nothing;
- re-plan: the same listener after a change (every cohort's third session moves by a day);
- invitations: evaluating the calendar invitations that planning made due at once (claim a batch,
  re-check every reason and the nudge cap for the whole batch);
- day: evaluating the calendar's busiest day of reminders and nudges the same way, then that day
  evaluated, rendered and sent (the delivery log's claim and outcome, then the settlement, per
  message) into a sink connector that accepts everything;
- smtp: sending `--smtp` messages through the real SMTP connector and the delivery log to a local
  aiosmtpd sink (`--learners 0` skips the rest).

    .venv/bin/python -m bench.notifications --database sqlite --learners 20000 --cohorts 40 [--smtp 500]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from bench.drain import server_pids
from bench.lrs_process import fresh_database, tree_cpu_seconds
from connectors.base import CheckResult, DeliveryResult, RenderedMessage
from lrs.events.types import ProgrammeSaved
from lrs.programme.loader import parse_programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.storage.engine import Database, open_database
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.schema import migrate
from notifications.batch import evaluate_batch
from notifications.claims import claim_due
from notifications.planner import NotificationPlanner
from notifications.rules import ProgrammeRules, default_rules
from notifications.schedule import PlanState
from notifications.sender import NotificationSender, SenderOptions

FIRST_START = date(2027, 1, 4)


def definition(cohorts: int, moved: bool = False) -> dict[str, Any]:
    sessions = []
    for index in range(cohorts):
        start = FIRST_START + timedelta(weeks=index)
        for number in range(6):
            day = start + timedelta(weeks=3 * number + 2, days=1 if moved and number == 2 else 0)
            sessions.append(
                {
                    "id": f"c{index}-s{number}",
                    "cohort": f"c{index}",
                    "activity": f"https://cohort-lrs.example/bench/c{index}/s{number}",
                    "title": f"Academy {number + 1}",
                    "kind": "academy",
                    "location": "Town Hall",
                    "start": f"{day.isoformat()}T10:00:00",
                    "end": f"{day.isoformat()}T12:00:00",
                }
            )
    return {
        "programme": {"id": "bench", "title": "Benchmark programme"},
        "organisations": [{"id": "bench-council", "name": "Bench Council", "sector": "council"}],
        "cohorts": [
            {
                "id": f"c{index}",
                "title": f"Cohort {index}",
                "start": (FIRST_START + timedelta(weeks=index)).isoformat(),
                "end": (FIRST_START + timedelta(weeks=index + 40)).isoformat(),
            }
            for index in range(cohorts)
        ],
        "modules": [
            {
                "id": f"m{number}",
                "activity": f"https://cohort-lrs.example/bench/m{number}",
                "title": f"Module {number}",
                "due": f"P{4 * (number + 1)}W",
            }
            for number in range(3)
        ],
        "sessions": sessions,
    }


class SinkConnector:
    channel = "email"

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        return DeliveryResult.delivered(message.idempotency_key)

    async def check(self) -> CheckResult:
        return CheckResult(self.channel, True, "sink")

    async def close(self) -> None:
        return None


async def setup(database: Database, learners: int, cohorts: int, now: datetime) -> None:
    rows = [
        RosterRow(index + 2, f"Learner {index}", f"l{index}@bench.gov.uk", "", "bench-council", "Head",
                  f"c{index % cohorts}")
        for index in range(learners)
    ]  # fmt: skip
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(definition(cohorts)), source="bench", now=now)
        await import_roster(session, rows, now=now)


class Stopwatch:
    """Wall-clock and CPU seconds from `start` to `stop`; on PostgreSQL also the CPU seconds of the
    database's backends (on the same machine, from /proc), which the process's own CPU leaves out."""

    def __init__(self, database: Database, server: dict[int, float]) -> None:
        self.database, self.server = database, server
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """What runs inside is not counted."""
        wall, cpu, server = time.perf_counter(), time.process_time(), await _backend_cpu(self.database)
        yield
        for pid, value in (await _backend_cpu(self.database)).items():
            self.server[pid] = self.server.get(pid, 0.0) + value - server.get(pid, 0.0)
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu

    @classmethod
    async def start(cls, database: Database) -> Stopwatch:
        return cls(database, await _backend_cpu(database))

    async def stop(self) -> str:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        if self.database.is_sqlite:
            return f"{wall:.2f} s (CPU {cpu:.2f} s)"
        after = await _backend_cpu(self.database)  # backends that went away meanwhile are not counted
        server = sum(value - self.server.get(pid, 0.0) for pid, value in after.items())
        return f"{wall:.2f} s (CPU {cpu:.2f} s, PostgreSQL backends {server:.2f} s)"


async def _backend_cpu(database: Database) -> dict[int, float]:
    if database.is_sqlite:
        return {}
    return {pid: tree_cpu_seconds(pid) or 0.0 for pid in await server_pids(database)}


async def timed_replan(database: Database, planner: NotificationPlanner) -> str:
    watch = await Stopwatch.start(database)
    async with database.write_session() as session, session.begin():
        await planner.on_programme_saved(ProgrammeSaved("bench", 1), session)
    return await watch.stop()


async def run(url: str, learners: int, cohorts: int) -> None:
    database = open_database(url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        await migrate(database)
        await setup(database, learners, cohorts, now)
        planner = NotificationPlanner(ProgrammeRules(default_rules()), clock=lambda: now)
        first = await timed_replan(database, planner)
        async with database.read_session() as session:
            total = await session.scalar(select(func.count()).select_from(PlannedMessage))
        print(f"plan: {total:,} messages for {learners:,} learners in {cohorts} cohorts: {first}", flush=True)
        async with database.write_session() as session, session.begin():
            await save_programme(
                session, parse_programme(definition(cohorts, moved=True)), source="bench", now=now
            )
        again = await timed_replan(database, planner)
        print(f"re-plan after every cohort's third session moved: {again}", flush=True)
        await day_of_sending(database, now)
    finally:
        await database.dispose()


async def day_of_sending(database: Database, now: datetime) -> None:
    """First the invitations planned with the calendars, all due at once (evaluated only), then the
    calendar's busiest day of reminders and nudges (evaluated, then evaluated and sent)."""
    sender = NotificationSender(
        database, {"email": SinkConnector()}, clock=lambda: now,
        rules_for=ProgrammeRules(default_rules()), options=SenderOptions(batch_size=500),
    )  # fmt: skip
    async with database.read_session() as session:
        invitations = await session.scalar(
            select(func.count()).where(PlannedMessage.rule == "session_invite", PlannedMessage.due_at <= now)
        )
    flood = await evaluate_only(database, sender, now)
    print(
        f"invitations: the {invitations:,} due when the calendars were planned, evaluating: {flood}",
        flush=True,
    )
    async with database.read_session() as session:
        busiest = await session.execute(
            select(func.min(PlannedMessage.due_at), func.count())
            .where(PlannedMessage.rule != "session_invite")
            .group_by(func.date(PlannedMessage.due_at))
            .order_by(func.count().desc())
            .limit(1)
        )
        first_due, count = busiest.one()
    day_start = datetime.combine(first_due.date(), datetime.min.time(), tzinfo=UTC)
    clock_now = day_start + timedelta(days=1)
    sender.clock = lambda: clock_now
    async with database.write_session() as session, session.begin():  # only that day's are due
        await session.execute(
            update(PlannedMessage)
            .where(PlannedMessage.due_at < day_start)
            .values(state="cancelled", reason="bench: before the measured day")
        )
    evaluated = await evaluate_only(database, sender, clock_now)
    watch = await Stopwatch.start(database)
    print(f"day: the busiest ({day_start.date()}, {count:,} planned), evaluating: {evaluated}", flush=True)
    handled = 0
    while step := await sender.step():
        handled += step
    print(f"day: {handled:,} due messages evaluated and sent into the sink: {await watch.stop()}", flush=True)


async def evaluate_only(database: Database, sender: NotificationSender, now: datetime) -> str:
    """Claim the due messages batch by batch and decide each one as the sender does (is its reason
    gone, is it over the nudge cap), without building its content or sending it; then hand the
    claims back for the sending run. Between batches (untimed) the decided rows are set aside, as
    the sender's settlements would: a claim never has to step over rows claimed before it."""
    watch, decided, going = await Stopwatch.start(database), 0, 0
    while ids := await claim_due(database, now, lease=sender.options.lease, limit=sender.options.batch_size):
        batch = await evaluate_batch(database, ids, sender.rules_for, now)
        assert batch is not None and all(batch.covers(row_id) for row_id in ids)
        for row_id in ids:
            row = batch.rows[row_id]
            rules = sender.rules_for(batch.programmes[row.programme_id])
            decided += 1
            if batch.reasons[row_id] is None and batch.tally.decision(row, rules) is None:
                going += 1
                batch.tally.record(row)
        async with watch.paused(), database.write_session() as session, session.begin():
            await session.execute(
                update(PlannedMessage).where(PlannedMessage.id.in_(ids)).values(state=_ASIDE)
            )
    elapsed = await watch.stop()
    async with database.write_session() as session, session.begin():
        await session.execute(
            update(PlannedMessage).where(PlannedMessage.state == _ASIDE).values(state=PlanState.PLANNED.value)
        )
        await session.execute(update(PlannedMessage).values(claimed_until=None))
    return f"{decided:,} decided ({going:,} to send) in {elapsed}"


_ASIDE = "bench-decided"


class _Sink:
    """An SMTP server that accepts every message (aiosmtpd, plain SMTP on loopback)."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 2.0.0 Message accepted"


async def smtp_throughput(url: str, count: int) -> None:
    """`count` messages through the SMTP connector and the delivery log (`deliver()`), one at a time
    and then 8 at once, to a local sink."""
    import socket

    from aiosmtpd.controller import Controller

    from connectors.base import Recipient
    from connectors.email.connector import EmailConnector
    from connectors.email.settings import EmailSettings
    from lrs.clock import utc_now
    from notifications.delivery_log import DeliveryLog
    from notifications.dispatch import deliver

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    database = open_database(url)
    try:
        await migrate(database)
        table = {"host": "127.0.0.1", "port": port, "tls": "none", "from_address": "noreply@bench.gov.uk"}
        connector = EmailConnector(EmailSettings.from_mapping(table), clock=utc_now)
        log = DeliveryLog(database)
        for parallel in (1, 8):
            started = time.perf_counter()

            async def send(index: int, parallel: int = parallel) -> None:
                message = RenderedMessage(
                    f"bench-{parallel}-{index}", Recipient(f"l{index}@bench.gov.uk"), "Hi", "Text"
                )
                await deliver(message, connector, log, utc_now)

            for offset in range(0, count, parallel):
                await asyncio.gather(*(send(index) for index in range(offset, min(offset + parallel, count))))
            elapsed = time.perf_counter() - started
            print(f"smtp: {count} messages, {parallel} at a time: {count / elapsed:.0f} messages/s")
        await connector.close()
    finally:
        controller.stop()
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--learners", type=int, default=20000)
    parser.add_argument("--cohorts", type=int, default=40)
    parser.add_argument("--smtp", type=int, default=0, help="also send this many messages to an SMTP sink")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        if args.learners:
            asyncio.run(_in_fresh_database(args.database, Path(directory), args.learners, args.cohorts))
        if args.smtp:
            asyncio.run(_smtp_in_fresh_database(args.database, Path(directory), args.smtp))


async def _smtp_in_fresh_database(kind: str, workdir: Path, count: int) -> None:
    async with fresh_database(kind, workdir) as url:
        await smtp_throughput(url, count)


async def _in_fresh_database(kind: str, workdir: Path, learners: int, cohorts: int) -> None:
    async with fresh_database(kind, workdir) as url:
        await run(url, learners, cohorts)


if __name__ == "__main__":
    main()
