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
        self._held: list[tuple[dict[str, int], dict[str, int]]] | None = None

    def remember(self, table: dict[str, int], found: Mapping[str, int]) -> None:
        if self._held is not None:
            self._held.append((table, dict(found)))
            return
        if len(table) + len(found) > self.limit:
            table.clear()
        table.update(found)

    def hold(self) -> None:
        """Keep what is remembered aside until `release`: a grouped transaction sees rows that an
        earlier member inserted, and those exist only if the group commits."""
        self._held = []

    def release(self, *, committed: bool) -> None:
        held, self._held = self._held or [], None
        if committed:
            for table, found in held:
                self.remember(table, found)
