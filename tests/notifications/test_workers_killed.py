"""Two `lrs worker` processes on PostgreSQL send a cohort's welcomes through a slow real SMTP server;
one is killed with SIGKILL mid-delivery. Every message is delivered, and none twice in effect: each
planned message has one Message-ID, and a message the killed worker had in flight is resent under
the same Message-ID (which mail systems treat as the same message)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trustme
from sqlalchemy import func, select

from connectors.email.messages import message_id_for
from lrs.clock import utc_now
from lrs.storage.engine import Database
from lrs.storage.notification_models import Delivery, DeliveryAttempt
from lrs.storage.planned_message_models import PlannedMessage
from tests.conftest import migrated_database
from tests.databases import database_url_for
from tests.fakes.smtp import FakeSmtpServer
from tests.notifications.engine import install

pytestmark = pytest.mark.postgres

LEARNERS = [f"learner{index:02d}@north.gov.uk" for index in range(24)]
DOMAIN = "council.example.gov.uk"


def settings_file(tmp_path: Path, url: str, smtp: FakeSmtpServer) -> Path:
    table = smtp.settings_table()
    email = "\n".join(
        f"{key} = {value!r}" if isinstance(value, str) else f"{key} = {value}" for key, value in table.items()
    )
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[lrs]\ndatabase_url = "{url}"\nworker_poll_seconds = 0.1\nworker_lease_seconds = 2.0\n'
        'public_url = "https://lrs.test"\nlog_level = "WARNING"\nprogrammes_dir = "none"\n\n'
        f"[connectors.email]\n{email.replace(chr(39), chr(34))}\n\n"
        '[notifications]\nsend_lease = "PT3S"\nmissed_session = false\ninactivity = false\n'
        "module_overdue = false\nsending_windows = false\n"
    )
    return path


async def worker(config: Path, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lrs", "--config", str(config), "worker", cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=dict(os.environ),
    )  # fmt: skip


async def delivered(database: Database) -> int:
    async with database.read_session() as session:
        count = await session.scalar(
            select(func.count()).select_from(PlannedMessage).where(PlannedMessage.state == "delivered")
        )
    return int(count or 0)


async def keys_with_unfinished_attempts(database: Database) -> set[str]:
    """Delivery keys with an attempt that never recorded its outcome (its sender was killed)."""
    async with database.read_session() as session:
        found = await session.scalars(
            select(Delivery.idempotency_key)
            .join(DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id)
            .where(DeliveryAttempt.outcome.is_(None))
        )
        return set(found)


async def _true(value: bool) -> bool:
    return value


async def _all_delivered(database: Database) -> bool:
    return await delivered(database) == len(LEARNERS)


async def until(condition: Callable[[], Awaitable[bool]], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if await condition():
            return
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_killed_worker_leaves_no_message_unsent_or_doubled(
    tmp_path: Path, ca: trustme.CA, ca_file: Path
) -> None:
    async with database_url_for("postgres", tmp_path) as url, migrated_database(url) as database:
        _programme, learners = await install(database, LEARNERS, utc_now())
        with FakeSmtpServer(ca, ca_file) as smtp:
            smtp.data_delay_seconds = 0.15
            config = settings_file(tmp_path, url, smtp)
            first, second = await worker(config, tmp_path), await worker(config, tmp_path)
            try:
                await until(lambda: _true(len(smtp.captured()) >= 4), "the first messages to arrive")
                first.send_signal(signal.SIGKILL)  # mid-delivery: its claims stay until the lease ends
                await first.wait()
                left_at_kill = len(LEARNERS) - await delivered(database)
                await until(lambda: _all_delivered(database), "every message to be delivered")
            finally:
                for process in (first, second):
                    if process.returncode is None:
                        process.terminate()
                        await process.wait()
            assert first.returncode == -signal.SIGKILL
            async with database.read_session() as session:
                rows = list(await session.scalars(select(PlannedMessage)))
            assert len(rows) == len(LEARNERS) and {row.state for row in rows} == {"delivered"}
            ids = Counter(str(message.parsed()["Message-ID"]) for message in smtp.captured())
            expected = {message_id_for(f"{row.key}@email", DOMAIN) for row in rows}
            assert set(ids) == expected  # every message reached the server, under its own Message-ID
            # A second copy at the relay can only be the one message the killed worker had in flight
            # when the relay had taken it but the worker had not yet recorded so (SMTP cannot tell
            # the next worker): its first attempt has no outcome, and the copy has the same Message-ID.
            orphaned = await keys_with_unfinished_attempts(database)
            assert len(orphaned) <= 1  # a worker sends one message at a time
            doubled = {message_id for message_id, count in ids.items() if count > 1}
            assert doubled <= {message_id_for(key, DOMAIN) for key in orphaned}
            assert all(count <= 2 for count in ids.values())
            assert len(learners) == len(LEARNERS) and left_at_kill > 0
