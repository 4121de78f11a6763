"""Ids of committed rows a writer process remembers between transactions."""

from __future__ import annotations

from collections.abc import Mapping


class KnownIds:
    """Ids of committed persons and agent forms, remembered per process: such a row never changes id
    (erasure rewrites it in place), so a busy writer need not look the same learners up again."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.persons: dict[str, int] = {}
        self.forms: dict[str, int] = {}

    def remember(self, table: dict[str, int], found: Mapping[str, int]) -> None:
        if len(table) + len(found) > self.limit:
            table.clear()
        table.update(found)
