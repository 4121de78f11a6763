"""Idempotency keys this process already delivered, so a repeated send never reaches the provider twice.

The notifications engine keeps the durable record; this bounded memory covers the window in which
the engine retries a message whose first attempt succeeded but whose result it never saw.
"""

from __future__ import annotations

from collections import OrderedDict


class DeliveredKeys:
    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        return self._ids.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def add(self, key: str, provider_id: str) -> None:
        self._ids[key] = provider_id
        self._ids.move_to_end(key)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
