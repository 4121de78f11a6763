"""A real cohort-lrs server on a loopback port, with helpers to call it as an xAPI client would."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from lrs.app import create_app
from lrs.clock import Clock, utc_now
from lrs.http.access_log import SERVER_OPTIONS
from lrs.http.context import DATABASE, SETTINGS
from lrs.settings import Settings
from lrs.storage.credentials import create_credential, load_hash_key
from lrs.storage.engine import Database


@dataclass
class RunningLrs:
    app: web.Application
    server: TestServer
    session: aiohttp.ClientSession
    key: str
    secret: str

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/xapi/")).rstrip("/")

    @property
    def database(self) -> Database:
        return self.app[DATABASE]

    def headers(self, version: str = "1.0.3", **extra: str) -> dict[str, str]:
        return {**basic_auth(self.key, self.secret), "X-Experience-API-Version": version, **extra}

    async def credential(self, scopes: str, name: str = "scoped") -> dict[str, str]:
        """Basic auth headers for a new credential with these scopes."""
        async with self.database.write_session() as session, session.begin():
            hash_key = await load_hash_key(session, self.app[SETTINGS].secret_key)
            issued = await create_credential(
                session, name=name, scopes=scopes, hash_key=hash_key, now=utc_now()
            )
        return basic_auth(issued.info.key, issued.secret)

    async def request(
        self,
        method: str,
        path: str,
        *,
        version: str = "1.0.3",
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
    ) -> aiohttp.ClientResponse:
        merged = {**self.headers(version), **(headers or {})}
        return await self.session.request(
            method, self.server.make_url(path), json=json, params=params, headers=merged, data=data
        )


def basic_auth(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


@asynccontextmanager
async def running_lrs(
    database_url: str, *, clock: Clock = utc_now, **overrides: Any
) -> AsyncIterator[RunningLrs]:
    settings = replace(Settings(), **{"database_url": database_url, "worker_in_process": False, **overrides})
    app = create_app(settings, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(**SERVER_OPTIONS)
    async with aiohttp.ClientSession() as session:
        async with app[DATABASE].write_session() as db_session, db_session.begin():
            hash_key = await load_hash_key(db_session, settings.secret_key)
            issued = await create_credential(
                db_session, name="tests", scopes="all", hash_key=hash_key, now=utc_now()
            )
        try:
            yield RunningLrs(app, server, session, issued.info.key, issued.secret)
        finally:
            await server.close()
