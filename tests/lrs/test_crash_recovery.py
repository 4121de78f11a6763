"""`lrs serve` killed with SIGKILL while eight clients post and its in-process worker projects progress:
after a restart, every acknowledged statement is stored, every batch is stored whole or not at all,
each stored statement has exactly one outbox event, the worker finishes the backlog, and the progress
it projected equals a rebuild, each transition published once."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bench.lrs_process import free_port, wait_until_up
from lrs.clock import utc_now
from lrs.progress import verbs
from lrs.progress.install import progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent, Statement
from tests.conftest import migrated_database
from tests.lrs.progress.cohort import BASE, COHORT_START, install_cohort, snapshot, statement, topics
from tests.lrs_server import basic_auth

LEARNERS = [f"learner{n}@north.gov.uk" for n in range(12)]
VERBS = [
    "http://adlnet.gov/expapi/verbs/initialized",
    "http://adlnet.gov/expapi/verbs/progressed",
    verbs.COMPLETED,
    verbs.FAILED,
    verbs.PASSED,
]
BATCHES, BATCH_SIZE, CLIENTS, KILL_AFTER = 200, 25, 8, 16  # kill once 16 batches are acknowledged


def batches() -> list[list[dict[str, Any]]]:
    rng = random.Random(11)
    made = []
    for _ in range(BATCHES):
        batch = []
        for _ in range(BATCH_SIZE):
            verb, module = rng.choice(VERBS), rng.choice(["intro", "quiz"])
            at = COHORT_START + timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600))
            result = (
                {"score": {"scaled": round(rng.random(), 2)}}
                if verb in (verbs.PASSED, verbs.FAILED)
                else None
            )
            batch.append(statement(rng.choice(LEARNERS), verb, f"{BASE}/{module}", at, result=result))
        made.append(batch)
    return made


@dataclass
class Outcome:
    acknowledged: set[int] = field(default_factory=set)  # batch indexes answered 200
    in_doubt: set[int] = field(default_factory=set)  # sent, then the server died


async def _lrs_cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lrs", *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()
    assert process.returncode == 0, f"lrs {' '.join(args)} exited {process.returncode}"
    return stdout.decode()


@asynccontextmanager
async def serving(env: dict[str, str], cwd: Path, port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lrs", "serve", "--port", str(port), env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await wait_until_up(f"http://127.0.0.1:{port}")
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)


async def post_until_killed(
    process: asyncio.subprocess.Process, url: str, headers: dict[str, str], made: list[list[dict[str, Any]]]
) -> Outcome:
    outcome = Outcome()
    queue = list(range(len(made)))

    async def client(session: aiohttp.ClientSession) -> None:
        while queue and process.returncode is None:
            index = queue.pop(0)
            outcome.in_doubt.add(index)
            try:
                async with session.post(url, data=json.dumps(made[index]), headers=headers) as response:
                    assert response.status == 200, await response.text()
                    assert await response.json() == [item["id"] for item in made[index]]
            except aiohttp.ClientError:
                return  # the server is gone: this batch stays in doubt
            outcome.in_doubt.discard(index)
            outcome.acknowledged.add(index)
            if len(outcome.acknowledged) == KILL_AFTER:
                process.kill()  # SIGKILL: no shutdown, no flush, mid-transaction for the others

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as session:
        await asyncio.gather(*(client(session) for _ in range(CLIENTS)))
    await process.wait()
    return outcome


async def wait_until_drained(database: Database) -> None:
    deadline = time.monotonic() + 120
    while True:
        async with database.read_session() as session:
            left = await session.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
            )
        if not left:
            return
        assert time.monotonic() < deadline, f"{left} outbox rows still unprocessed"
        await asyncio.sleep(0.3)


async def test_a_killed_server_loses_nothing_it_acknowledged(database_url: str, tmp_path: Path) -> None:
    async with migrated_database(database_url) as database:
        await install_cohort(database, LEARNERS, COHORT_START)
        env = {
            **os.environ,
            "LRS_DATABASE_URL": database_url,
            "LRS_WORKER_IN_PROCESS": "true",
            "LRS_WORKER_POLL_SECONDS": "0.2",
            "LRS_WORKER_LEASE_SECONDS": "2",  # what the killed worker had claimed comes back soon
            "LRS_PUBLIC_URL": "https://lrs.test",
            "LRS_LOG_LEVEL": "WARNING",
        }
        pair = json.loads(await _lrs_cli(env, tmp_path, "credentials", "create", "--name", "t", "--json"))
        headers = {**basic_auth(pair["key"], pair["secret"]), "X-Experience-API-Version": "1.0.3"}
        headers["Content-Type"] = "application/json"
        made = batches()
        port = free_port()
        async with serving(env, tmp_path, port) as process:
            outcome = await post_until_killed(
                process, f"http://127.0.0.1:{port}/xapi/statements", headers, made
            )
        assert process.returncode == -9 and len(outcome.acknowledged) >= KILL_AFTER

        async with serving(env, tmp_path, free_port()):  # restarted: its worker finishes the backlog
            await wait_until_drained(database)

        async with database.read_session() as session:
            stored = set(await session.scalars(select(Statement.statement_id)))
            stored_events = Counter(
                json.loads(payload)["statement_id"]
                for payload in await session.scalars(
                    select(OutboxEvent.payload).where(OutboxEvent.topic == "statement.stored")
                )
            )
        for index, batch in enumerate(made):
            present = {item["id"] in stored for item in batch}
            if index in outcome.acknowledged:
                assert present == {True}, f"acknowledged batch {index} lost"
            elif index in outcome.in_doubt:
                assert len(present) == 1, f"batch {index} stored in part"
            else:
                assert present == {False}, f"batch {index} was never sent"
        assert stored_events == Counter(stored)  # one event per stored statement (ours and `satisfied`)

        live, events = await snapshot(database), await topics(database)
        published = {key: count for key, count in events.items() if "." in key[0]}
        transitions = [
            count for (topic, _, _), count in published.items()
            if topic.split(".")[0] in ("module", "block", "session") or topic == "programme.completed"
        ]  # fmt: skip
        assert transitions and set(transitions) == {1}
        settings = replace(Settings(), public_url="https://lrs.test")
        await rebuild_progress(database, ProgressProjector(progress_options(settings), clock=utc_now))
        assert await snapshot(database) == live
