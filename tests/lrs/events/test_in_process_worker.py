"""The embedded worker (settings.worker_in_process) consumes what the HTTP API writes."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import aiohttp
from aiohttp.test_utils import TestServer

from lrs.app import create_app
from lrs.clock import utc_now
from lrs.events.types import StatementStored
from lrs.http.context import DATABASE
from lrs.settings import Settings
from lrs.storage.credentials import create_credential, load_hash_key
from tests.lrs.events.helpers import unprocessed
from tests.lrs_server import basic_auth


async def test_server_with_in_process_worker_drains_the_outbox(database_url: str) -> None:
    settings = replace(
        Settings(), database_url=database_url, worker_in_process=True, worker_poll_seconds=0.05
    )
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        database = app[DATABASE]
        async with database.write_session() as session, session.begin():
            hash_key = await load_hash_key(session, settings.secret_key)
            issued = await create_credential(
                session, name="t", scopes="all", hash_key=hash_key, now=utc_now()
            )
        statement = {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": "mailto:someone@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://example.org/activity"},
        }
        headers = {**basic_auth(issued.info.key, issued.secret), "X-Experience-API-Version": "1.0.3"}
        async with aiohttp.ClientSession() as client:
            response = await client.post(server.make_url("/xapi/statements"), json=statement, headers=headers)
            assert response.status == 200
        for _ in range(100):
            if not await unprocessed(database, StatementStored.topic):
                break
            await asyncio.sleep(0.05)
        assert await unprocessed(database, StatementStored.topic) == []
    finally:
        await server.close()
