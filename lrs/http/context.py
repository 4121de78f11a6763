"""Typed application keys and per-request values shared by handlers and middleware."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from lrs.clock import Clock
from lrs.scopes import Scope
from lrs.settings import Settings
from lrs.storage.engine import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
HASH_KEY = web.AppKey("hash_key", bytes)


@dataclass(frozen=True)
class Caller:
    """The authenticated credential behind a request."""

    credential_id: int
    key: str
    name: str
    scopes: frozenset[Scope]
    organisations: frozenset[str] = frozenset()  # non-empty: limited to these councils' records


CALLER = web.RequestKey("caller", Caller)
XAPI_VERSION = web.RequestKey("xapi_version", str)  # "1.0.3" | "2.0.0"
# Headers a handler wants on its response whatever the outcome, errors included.
RESPONSE_HEADERS = web.RequestKey("response_headers", dict[str, str])
