"""What every completion record of one item in one state shares in the CSV export: its item and
status cells, its completion % and its off-the-job hours (lrs.progress.off_the_job), worked out once
a pass; and a programme record's completion % and hours, from its learner's progress rows."""

from __future__ import annotations

from datetime import UTC, datetime

from lrs.programme.model import Programme
from lrs.progress.off_the_job import ItemState, item_hours
from lrs.reporting.line_queries import KEY_SEPARATOR
from lrs.reporting.records import FINISHED, SOURCE

_SATISFIED = datetime(2000, 1, 1, tzinfo=UTC)  # an item's hours depend on whether it is satisfied, not when
_REMEMBERED = 50_000  # values remembered at most, per kind of look-up (flat memory)
_SHARED_KINDS = ("module", "session")  # the items a programme's completion % counts


class ItemEntry:
    """An item in a state, from its key (lrs.reporting.line_queries: the state is "-" deleted, "" no
    progress row, else its status, with "*" when satisfied). `cells` are its CSV cells from programme
    to status; `programme` is the item's programme when it counts off-the-job hours, else None."""

    def __init__(self, key: str, item_cells: str, programme: Programme | None, line_end: str) -> None:
        _programme_id, self.cohort, self.kind, self.item_id, state = key.split(KEY_SEPARATOR)
        self.programme = programme
        self.deleted = state == "-"
        live = state not in ("", "-")
        self.status = state.rstrip("*") if live else None
        self.satisfied = state.endswith("*")
        self.cells = f"{item_cells},{self.status or ''}"  # programme to status
        self.ending = f"{',Y,' if self.deleted else ',N,'}{SOURCE}{line_end}"  # after last updated
        finished = self.status in FINISHED
        self.completion_pct = "" if self.status is None else ("100.0" if finished else "0.0")
        hours = self._hours_whatever_the_time_spent()
        self.pct_and_hours = None if hours is None else f"{self.completion_pct},{hours}"
        self._by_spent: dict[int, str] = {}

    def pct_and_hours_for(self, spent_ms: int) -> str:
        """The completion % and hours cells of a module counted by its e-learning time; the hours
        from the minutes shown (as the API)."""
        found = self._by_spent.get(spent_ms)
        if found is None:
            assert self.programme is not None and self.status is not None
            if len(self._by_spent) >= _REMEMBERED:
                self._by_spent.clear()
            minutes = round(spent_ms / 60_000, 1)
            hours = item_contribution(
                self.programme, self.kind, self.item_id, self.status, self.satisfied, int(minutes * 60_000)
            )
            found = self._by_spent[spent_ms] = f"{self.completion_pct},{hours!r}"
        return found

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


class ProgrammeItems:
    """A programme record's completion % (its modules and sessions finished) and total hours, from
    its learner's progress rows as lrs.reporting.line_queries writes them ("kind:id:status:0|1:ms",
    comma-separated, by kind and id); each row's part is worked out once, and each whole list once
    per entry (learners in the same place share them)."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str], tuple[float, int, int]] = {}  # hours, counted, done
        self._cells: dict[tuple[ItemEntry, str], str] = {}

    def pct_and_hours(self, entry: ItemEntry, items: str) -> str:
        """The record's completion % and hours cells."""
        key = (entry, items)
        found = self._cells.get(key)
        if found is None:
            if len(self._cells) >= _REMEMBERED:
                self._cells.clear()
            found = self._cells[key] = self._work_out(entry, items)
        return found

    def _work_out(self, entry: ItemEntry, items: str) -> str:
        hours, counted, done = 0.0, 0, 0  # hours summed in the order lrs.reporting.flat sums them
        for item in items.split(",") if items else ():
            part_hours, part_counted, part_done = self._part(entry.programme, item)
            hours += part_hours
            counted += part_counted
            done += part_done
        share = "" if entry.status is None else repr(_completion_pct(entry.status, done, counted))
        if entry.programme is None or entry.deleted:
            return f"{share},"
        return f"{share},{round(hours, 2)!r}"

    def _part(self, programme: Programme | None, item: str) -> tuple[float, int, int]:
        key = (programme.id if programme is not None else "", item)
        found = self._parts.get(key)
        if found is None:
            if len(self._parts) >= _REMEMBERED:
                self._parts.clear()
            kind, item_id, status, satisfied, spent = item.split(":")
            counted = kind in _SHARED_KINDS
            hours = 0.0
            if programme is not None:
                hours = item_contribution(programme, kind, item_id, status, satisfied == "1", int(spent))
            found = self._parts[key] = (hours, int(counted), int(counted and status in FINISHED))
        return found


def item_contribution(
    programme: Programme, kind: str, item_id: str, status: str, satisfied: bool, spent_ms: int
) -> float:
    """lrs.progress.off_the_job.item_hours as a number (0.0 when the item adds nothing)."""
    moment = _SATISFIED if satisfied else None
    found = item_hours(programme, ItemState(kind, item_id, status, moment, spent_ms))
    return found.hours if found else 0.0


def _completion_pct(status: str, done: int, counted: int) -> float:
    """As lrs.reporting.records.completion_pct (a programme record counts its modules and sessions)."""
    if counted:
        return round(100.0 * done / counted, 1)
    return 100.0 if status in FINISHED else 0.0
