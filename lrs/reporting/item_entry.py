"""What every completion record of one item in one state shares in the CSV export: its item cells,
its completion % and its off-the-job hours (lrs.progress.off_the_job), worked out once a pass."""

from __future__ import annotations

from datetime import UTC, datetime

from lrs.programme.model import Programme
from lrs.progress.off_the_job import ItemState, item_hours
from lrs.reporting.records import FINISHED

_SATISFIED = datetime(2000, 1, 1, tzinfo=UTC)  # an item's hours depend on whether it is satisfied, not when


class ItemEntry:
    """An item in a state: "-" deleted, "" no progress row, else its status, with "*" when satisfied.
    `programme` is the item's programme when it counts off-the-job hours, else None."""

    def __init__(self, cells: str, programme: Programme | None, kind: str, item_id: str, state: str) -> None:
        self.cells, self.programme, self.kind, self.item_id = cells, programme, kind, item_id
        self.deleted = state == "-"
        live = state not in ("", "-")
        self.status = state.rstrip("*") if live else None
        self.satisfied = state.endswith("*")
        finished = self.status in FINISHED
        self.completion_pct = "" if self.status is None else ("100.0" if finished else "0.0")
        self.hours = self._hours_whatever_the_time_spent()

    def hours_for(self, spent_ms: int) -> str:
        """The hours of a module counted by its e-learning time, from the minutes shown (as the API)."""
        assert self.programme is not None and self.status is not None
        minutes = round(spent_ms / 60_000, 1)
        found = item_contribution(
            self.programme, self.kind, self.item_id, self.status, self.satisfied, int(minutes * 60_000)
        )
        return repr(found)

    def _hours_whatever_the_time_spent(self) -> str | None:
        """The hours cell, or None when it depends on the time spent (a module without configured
        hours, with progress). A programme record's total is worked out per record."""
        plan = self.programme.off_the_job if self.programme is not None else None
        if self.programme is None or plan is None or self.deleted or self.kind == "programme":
            return ""
        if self.status is None:
            return repr(item_contribution(self.programme, self.kind, self.item_id, "", False, 0))
        if self.kind == "module" and self.item_id not in plan.module_hours:
            return None
        found = item_contribution(self.programme, self.kind, self.item_id, self.status, self.satisfied, 0)
        return repr(found)


def item_contribution(
    programme: Programme, kind: str, item_id: str, status: str, satisfied: bool, spent_ms: int
) -> float:
    """lrs.progress.off_the_job.item_hours as a number (0.0 when the item adds nothing)."""
    moment = _SATISFIED if satisfied else None
    found = item_hours(programme, ItemState(kind, item_id, status, moment, spent_ms))
    return found.hours if found else 0.0
