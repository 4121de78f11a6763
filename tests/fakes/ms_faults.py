"""Fault injection and the received-request log for the fake Microsoft server."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    """Answer matching requests with `status` (or only delay them when `status` is None)."""

    path: re.Pattern[str]  # searched in the request path ("/v1.0/users/.../sendMail", batch items too)
    status: int | None = 429
    method: str | None = None
    remaining: int | None = None  # fire this many times; None: every time
    probability: float = 1.0
    retry_after: float | None = None
    delay: float = 0.0  # seconds to wait before answering (slow responses)
    code: str = "TooManyRequests"

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return (self.method is None or self.method == method) and bool(self.path.search(path))


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self.faults: list[Fault] = []
        self.fired = 0
        self._rng = random.Random(seed)

    def reseed(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def add(self, path: str, status: int | None = 429, **options: Any) -> Fault:
        fault = Fault(re.compile(path), status, **options)
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path) and self._rng.random() < fault.probability:
                if fault.remaining is not None:
                    fault.remaining -= 1
                self.fired += 1
                return fault
        return None


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: Any
    status: int
    in_batch: bool = False
    reply: Any = None
    reply_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status < 300


@dataclass
class FakeRequest:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: Any
    params: Mapping[str, str] = field(default_factory=dict)  # named groups of the route pattern


@dataclass
class FakeReply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def graph_error(status: int, code: str, message: str = "") -> FakeReply:
    return FakeReply(status, {"error": {"code": code, "message": message or code}})


def bad_request(message: str) -> FakeReply:
    return graph_error(400, "BadRequest", message)
