"""The at-scale topology under SIGKILL: PostgreSQL, two `lrs serve` and two `lrs worker` processes,
a cohort's welcome e-mails going out through a slow real SMTP server (aiosmtpd) while clients post
statement batches to both servers. One server is killed mid-ingest, and one worker mid-delivery: while
the SMTP server holds that worker's message in DATA (the slow part of a send), so its delivery has
been claimed and its attempt recorded, and the message handed over but not yet accepted.

Nothing acknowledged is lost (every batch answered 200 is stored whole; a batch in doubt is stored
whole or not at all), each stored statement has exactly one outbox event and the surviving worker
drains the outbox, and no message is sent twice: every planned message reaches the SMTP server once,
under its own Message-ID (derived from its idempotency key), the killed worker's included, which the
survivor sends once its claim has run out. The one window this cannot cover (killed after the
server's reply to DATA and before the outcome is committed) is tested alone in
tests/notifications/test_dispatch.py and described in docs/operations.md."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme
from sqlalchemy import func, select

from bench.lrs_process import free_port, wait_until_up
from connectors.email.messages import message_id_for
from lrs.clock import utc_now
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent, Statement
from lrs.storage.notification_models import Delivery, DeliveryAttempt
from lrs.storage.planned_message_models import PlannedMessage
from tests.conftest import migrated_database
from tests.databases import database_url_for
from tests.deploy.processes import LrsProcesses, tcp_ports_of
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs_server import basic_auth
from tests.notifications.engine import install
from tests.notifications.test_workers_killed import DOMAIN, settings_file, until

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]

LEARNERS = [f"learner{index:02d}@north.gov.uk" for index in range(24)]
BATCHES, BATCH_SIZE, CLIENTS_PER_SERVER, KILL_SERVER_AFTER = 120, 10, 4, 12
DATA_SECONDS = 0.3  # a slow relay: the kill lands in the middle of a DATA
WAIT_SECONDS = 180  # generous: on a machine shared with other work, four processes start slowly


def batches() -> list[list[dict[str, Any]]]:
    return [
        [
            {
                "id": str(uuid.uuid4()),
                "actor": {"mbox": f"mailto:visitor{index % 37}@east.gov.uk", "objectType": "Agent"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": f"https://lrs.test/activities/page-{index % 11}"},
                "timestamp": "2026-03-02T10:00:00Z",
            }
            for index in range(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE)
        ]
        for batch in range(BATCHES)
    ]


@dataclass
class Ingest:
    acknowledged: set[int] = field(default_factory=set)
    in_doubt: set[int] = field(default_factory=set)
    queue: list[int] = field(default_factory=lambda: list(range(BATCHES)))


async def post_batches(
    ingest: Ingest, made: list[list[dict[str, Any]]], url: str, headers: dict[str, str], alive: Any
) -> None:
    async with aiohttp.ClientSession() as session:
        while ingest.queue and alive():
            index = ingest.queue.pop(0)
            ingest.in_doubt.add(index)
            try:
                async with session.post(url, data=json.dumps(made[index]), headers=headers) as response:
                    assert response.status == 200, await response.text()
                    assert await response.json() == [item["id"] for item in made[index]]
            except aiohttp.ClientError:
                return  # this server is gone: the batch stays in doubt
            ingest.in_doubt.discard(index)
            ingest.acknowledged.add(index)


async def counts(database: Database) -> tuple[int, int]:
    async with database.read_session() as session:
        delivered = await session.scalar(
            select(func.count()).select_from(PlannedMessage).where(PlannedMessage.state == "delivered")
        )
        pending = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
        )
    return int(delivered or 0), int(pending or 0)


async def unfinished_attempts(database: Database) -> list[tuple[str, int]]:
    """(key, attempt number) of the attempts that never reported back: the killed worker's."""
    query = (
        select(Delivery.idempotency_key, DeliveryAttempt.number)
        .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
        .where(DeliveryAttempt.finished_at.is_(None))
    )
    async with database.read_session() as session:
        return [(key, number) for key, number in (await session.execute(query)).all()]


async def test_killing_a_server_and_a_worker_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, ca: trustme.CA, ca_file: Path
) -> None:
    async with database_url_for("postgres", tmp_path) as url, migrated_database(url) as database:
        await install(database, LEARNERS, utc_now())
        with FakeSmtpServer(ca, ca_file) as smtp:
            smtp.data_delay_seconds = DATA_SECONDS
            config = settings_file(tmp_path, url, smtp)
            stack = LrsProcesses(config, tmp_path, env={**os.environ, "LRS_WORKER_IN_PROCESS": "false"})
            pair = json.loads(await stack.cli("credentials", "create", "--name", "fault", "--json"))
            headers = {
                **basic_auth(pair["key"], pair["secret"]),
                "X-Experience-API-Version": "1.0.3",
                "Content-Type": "application/json",
            }
            ports = [free_port(), free_port()]
            try:
                servers = [await stack.serve(port) for port in ports]
                for port in ports:
                    await wait_until_up(f"http://127.0.0.1:{port}")
                workers = [await stack.worker(), await stack.worker()]
                made, ingest = batches(), Ingest()
                victim_server = servers[0]

                async def kill_server_mid_ingest() -> None:
                    await until(
                        lambda: _true(len(ingest.acknowledged) >= KILL_SERVER_AFTER),
                        "first batches",
                        WAIT_SECONDS,
                    )
                    victim_server.send_signal(signal.SIGKILL)

                killed: list[asyncio.subprocess.Process] = []

                async def kill_worker_mid_delivery() -> None:
                    await until(
                        lambda: _true(len(smtp.captured()) >= 4), "the first messages to arrive", WAIT_SECONDS
                    )
                    await until(
                        lambda: _true(_killed_one_in_data(smtp, workers, killed)),
                        "a worker in the middle of DATA",
                        WAIT_SECONDS,
                    )

                clients = [
                    post_batches(
                        ingest,
                        made,
                        f"http://127.0.0.1:{port}/xapi/statements",
                        headers,
                        (lambda process=process: process.returncode is None),
                    )
                    for port, process in zip(ports, servers, strict=True)
                    for _ in range(CLIENTS_PER_SERVER)
                ]
                await asyncio.gather(kill_server_mid_ingest(), kill_worker_mid_delivery(), *clients)
                assert await victim_server.wait() == -signal.SIGKILL
                (victim_worker,) = killed
                assert await victim_worker.wait() == -signal.SIGKILL
                try:
                    await until(
                        lambda: _settled(database), "every message delivered, the outbox drained", 300
                    )
                except AssertionError as err:
                    raise AssertionError(
                        f"{err}: (delivered, outbox pending) = {await counts(database)}"
                    ) from None
            finally:
                await stack.stop()

            async with database.read_session() as session:
                stored = set(await session.scalars(select(Statement.statement_id)))
                events = Counter(
                    json.loads(payload)["statement_id"]
                    for payload in await session.scalars(
                        select(OutboxEvent.payload).where(OutboxEvent.topic == "statement.stored")
                    )
                )
                planned = list(await session.scalars(select(PlannedMessage)))
            killed_attempts = await unfinished_attempts(database)
            message_ids = Counter(str(message.parsed()["Message-ID"]) for message in smtp.captured())

    assert ingest.acknowledged and ingest.in_doubt | ingest.acknowledged
    assert len(ingest.acknowledged) > KILL_SERVER_AFTER  # the other server kept taking batches
    for index, batch in enumerate(made):
        present = {item["id"] in stored for item in batch}
        if index in ingest.acknowledged:
            assert present == {True}, f"acknowledged batch {index} lost"
        elif index in ingest.in_doubt:
            assert len(present) == 1, f"batch {index} stored in part"
    ours = {item["id"] for batch in made for item in batch} & stored
    assert {key: events[key] for key in ours} == dict.fromkeys(ours, 1)  # one event per statement

    assert len(planned) == len(LEARNERS) and {row.state for row in planned} == {"delivered"}
    assert set(message_ids) == {message_id_for(f"{row.key}@email", DOMAIN) for row in planned}
    assert sum(message_ids.values()) == len(message_ids), message_ids.most_common(3)  # none twice
    assert len(killed_attempts) == 1, killed_attempts  # the send the worker died in, resent once


def _killed_one_in_data(
    smtp: FakeSmtpServer,
    workers: list[asyncio.subprocess.Process],
    killed: list[asyncio.subprocess.Process],
) -> bool:
    """SIGKILL a worker whose message the server has held in DATA for less than a third of the delay:
    far enough from the server's acceptance that the kill lands before it, mid-send."""
    for process in workers:
        if smtp.sending_from(tcp_ports_of(process.pid), began_within=DATA_SECONDS / 3):
            process.send_signal(signal.SIGKILL)
            killed.append(process)
            return True
    return False


async def _true(value: bool) -> bool:
    return value


async def _settled(database: Database) -> bool:
    delivered, pending = await counts(database)
    return delivered == len(LEARNERS) and pending == 0
