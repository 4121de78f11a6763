"""Roster CSV files (one learner per row) and the per-row import report.

Columns (header names are matched loosely: case, spaces, hyphens and underscores do not matter):
name, work email, employee number, council (or organisation), role, cohort, and optionally sector
(for an organisation the LRS does not know yet; "council" when absent) and status ("enrolled", the
default, or "withdrawn" to take a learner off the cohort).
"""

from __future__ import annotations

import csv
import enum
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lrs.errors import InvalidRequest

_COLUMNS = {
    "name": ("name", "full name", "learner name"),
    "email": ("work email", "email", "email address", "work email address"),
    "employee_number": ("employee number", "employee no", "employee id", "staff number"),
    "organisation": ("council", "organisation", "organization"),
    "role": ("role", "job title"),
    "cohort": ("cohort",),
    "sector": ("sector",),
    "status": ("status", "enrolment status", "enrollment status"),
}
_REQUIRED = ("name", "email", "organisation")


@dataclass(frozen=True)
class RosterRow:
    line: int  # line number in the file (the header is line 1)
    name: str = ""
    email: str = ""
    employee_number: str = ""
    organisation: str = ""
    role: str = ""
    cohort: str = ""
    sector: str = ""
    status: str = ""  # "", "enrolled" or "withdrawn" (any case)
    problem: str = ""  # a row the CSV reader could not map onto the columns
    # The file's columns; None means every column (rows built in code). A column the file does not
    # have leaves the stored value unchanged; only an empty cell in a present column clears it.
    columns: frozenset[str] | None = None

    def has(self, column: str) -> bool:
        return self.columns is None or column in self.columns


class Outcome(enum.StrEnum):
    CREATED = "created"  # a new learner or a new enrolment
    UPDATED = "updated"  # the learner's details changed, or a withdrawn enrolment is back
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    WOULD_CREATE = "would create"  # CREATED, on a dry run or in a file whose rejections stopped it
    WOULD_UPDATE = "would update"

    def unwritten(self) -> Outcome:
        """The outcome of the same row when nothing was written."""
        return {Outcome.CREATED: Outcome.WOULD_CREATE, Outcome.UPDATED: Outcome.WOULD_UPDATE}.get(self, self)


@dataclass(frozen=True)
class RowResult:
    line: int
    email: str
    outcome: Outcome
    reason: str = ""
    learner_id: int | None = None
    cohort_id: str = ""
    changes: tuple[str, ...] = ()
    cleared: tuple[str, ...] = ()  # the changed fields that an empty cell emptied

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "email": self.email,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "learner_id": self.learner_id,
            "cohort": self.cohort_id,
            "changes": list(self.changes),
            "cleared": list(self.cleared),
        }


@dataclass(frozen=True)
class RosterReport:
    rows: tuple[RowResult, ...]
    written: bool  # False for a dry run, or when rejected rows stopped the whole import
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return sum(1 for row in self.rows if row.outcome is Outcome.REJECTED)

    def counts(self) -> dict[str, int]:
        found = Counter(row.outcome.value for row in self.rows)
        return {outcome.value: found.get(outcome.value, 0) for outcome in Outcome}

    def as_json(self) -> dict[str, Any]:
        return {
            "written": self.written,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "rows": [row.as_json() for row in self.rows],
        }


def parse_roster_csv(text: str) -> list[RosterRow]:
    """Rows of a roster file. A bad header refuses the whole file (InvalidRequest naming the column)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as err:
        raise InvalidRequest("roster", f"line 1: {err}") from None
    if header is None:
        raise InvalidRequest("roster", "the file is empty (expected a header row)")
    columns = _columns(header)
    rows: list[RosterRow] = []
    present = frozenset(columns)
    for cells in _records(reader):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            rows.append(
                RosterRow(
                    reader.line_num,
                    problem=f"{len(cells)} fields, the header has {len(columns)}",
                    columns=present,
                )
            )
            continue
        values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False)}
        rows.append(RosterRow(reader.line_num, **values, columns=present))
    return rows


def _records(reader: Any) -> Iterator[list[str]]:
    """The reader's records; a CSV error (a field over the csv module's limit) names the line the
    record starts on."""
    while True:
        start = reader.line_num + 1
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise InvalidRequest("roster", f"line {start}: {err}") from None


def _columns(header: list[str]) -> list[str]:
    lookup = {alias: name for name, aliases in _COLUMNS.items() for alias in aliases}
    columns = []
    for index, raw in enumerate(header):
        key = " ".join(raw.strip().lower().replace("_", " ").replace("-", " ").split())
        if key not in lookup:
            known = ", ".join(aliases[0] for aliases in _COLUMNS.values())
            raise InvalidRequest(f"roster.header[{index}]", f"unknown column {raw!r} (expected: {known})")
        if lookup[key] in columns:
            raise InvalidRequest(f"roster.header[{index}]", f"column {raw!r} appears twice")
        columns.append(lookup[key])
    for name in _REQUIRED:
        if name not in columns:
            raise InvalidRequest("roster.header", f"missing column {_COLUMNS[name][0]!r}")
    return columns
