"""A facilitator's CSV register: parse, check every row against the session roster, record the marks.

Columns (header row, any order, case-insensitive): `email`, `status` (present | late | absent), and
optionally `minutes` (time present) and `notes`. The import is all-or-nothing: one bad row rejects
the file, with a report for every row, unless `accept_valid` asks to store the good rows anyway.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lrs.attendance.marks import MarkOutcome, record_marks
from lrs.attendance.sessions import SessionPlan
from lrs.attendance.statements import AttendanceMark, Mark, MarkSource, Person, normal_email
from lrs.clock import Clock
from lrs.digits import is_whole_number
from lrs.errors import InvalidRequest
from lrs.storage.engine import Database
from lrs.storage.statements import Writer

REQUIRED_COLUMNS = ("email", "status")
OPTIONAL_COLUMNS = ("minutes", "notes")
MAX_MINUTES = 24 * 60
MAX_NOTES = 500


@dataclass(frozen=True)
class RegisterRow:
    line: int  # 1-based line in the file, the header being line 1
    email: str
    mark: Mark
    minutes: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class RowProblem:
    line: int
    email: str
    message: str


@dataclass(frozen=True)
class RowReport:
    line: int
    email: str
    outcome: str  # a MarkAction value, "error", or "not-stored" (a good row in a rejected file)
    message: str = ""
    statement_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {"line": self.line, "email": self.email, "outcome": self.outcome}
        if self.message:
            row["message"] = self.message
        if self.statement_id:
            row["statement_id"] = self.statement_id
        return row


@dataclass(frozen=True)
class RegisterReport:
    session_id: str
    stored: bool  # False when the file was rejected: nothing was written
    rows: tuple[RowReport, ...]

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.outcome == "error")

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "stored": self.stored,
            "errors": self.errors,
            "rows": [row.to_json() for row in self.rows],
        }


def parse_register(text: str, plan: SessionPlan) -> tuple[list[RegisterRow], list[RowProblem]]:
    """Good rows and row problems; InvalidRequest when the file itself is unusable (no header, columns)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise InvalidRequest("register", "the file is empty: expected a header row email,status") from None
    except csv.Error as err:
        raise InvalidRequest("register", f"not a readable CSV file: {err}") from None
    columns = _columns(header)
    rows: list[RegisterRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                problems.append(RowProblem(line, "", f"{len(cells)} fields, the header has {len(header)}"))
                continue
            values = {
                name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()
            }
            parsed = _row(line, values, plan, seen)
            if isinstance(parsed, RegisterRow):
                rows.append(parsed)
            else:
                problems.append(parsed)
    except csv.Error as err:
        raise InvalidRequest("register", f"line {reader.line_num}: not a readable CSV row: {err}") from None
    return rows, problems


def _columns(header: Sequence[str]) -> dict[str, int]:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InvalidRequest(
            "register", f"missing column(s) {', '.join(missing)}; the header was {','.join(header)}"
        )
    unknown = [name for name in header if name and name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        allowed = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        raise InvalidRequest("register", f"unknown column(s) {', '.join(unknown)}; allowed: {allowed}")
    return {name: header.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in header}


def _row(
    line: int, values: Mapping[str, str], plan: SessionPlan, seen: dict[str, int]
) -> RegisterRow | RowProblem:
    email = normal_email(values["email"])
    problem = _row_problem(email, values, plan, seen)
    if problem:
        return RowProblem(line, email, problem)
    seen[email] = line
    minutes = values.get("minutes", "")
    return RegisterRow(
        line,
        email,
        Mark(values["status"].lower()),
        int(minutes) if minutes else None,
        values.get("notes", ""),
    )


def _row_problem(email: str, values: Mapping[str, str], plan: SessionPlan, seen: Mapping[str, int]) -> str:
    if not email or "@" not in email:
        return "email is missing or not an email address"
    if plan.attendee(email) is None:
        return f"{email} is not expected at session {plan.session.id} (not on its roster)"
    if email in seen:
        return f"{email} is already on line {seen[email]}"
    status = values["status"].lower()
    if status not in Mark._value2member_map_:
        return f"status {values['status']!r} is not one of present, late, absent"
    minutes = values.get("minutes", "")
    if minutes and not (is_whole_number(minutes) and int(minutes) <= MAX_MINUTES):
        return f"minutes {minutes!r} is not a whole number from 0 to {MAX_MINUTES}"
    if len(values.get("notes", "")) > MAX_NOTES:
        return f"notes are longer than {MAX_NOTES} characters"
    return ""


def register_marks(
    plan: SessionPlan, rows: Sequence[RegisterRow], facilitator: Person
) -> list[AttendanceMark]:
    marks = []
    for row in rows:
        attendee = plan.attendee(row.email)
        assert attendee is not None  # parse_register only passes rows for the roster
        marks.append(
            AttendanceMark(
                learner=Person(attendee.email, attendee.name),
                mark=row.mark,
                source=MarkSource.REGISTER,
                instructor=facilitator,
                registration=attendee.registration,
                duration_seconds=row.minutes * 60 if row.minutes is not None else None,
                notes=row.notes,
            )
        )
    return marks


async def import_register(
    database: Database,
    plan: SessionPlan,
    text: str,
    *,
    facilitator: Person,
    accept_valid: bool,
    writer: Writer,
    clock: Clock,
) -> RegisterReport:
    """Parse and record a register; `stored` is False (and nothing written) when a row is bad and
    `accept_valid` is not set."""
    rows, problems = parse_register(text, plan)
    reports = [RowReport(problem.line, problem.email, "error", problem.message) for problem in problems]
    if problems and not accept_valid:
        reports += [RowReport(row.line, row.email, "not-stored") for row in rows]
        return RegisterReport(plan.session.id, False, tuple(sorted(reports, key=lambda item: item.line)))
    outcomes = await record_marks(
        database, plan.session, register_marks(plan, rows, facilitator), writer=writer, clock=clock
    )
    reports += [_stored_row(row, outcome) for row, outcome in zip(rows, outcomes, strict=True)]
    return RegisterReport(plan.session.id, True, tuple(sorted(reports, key=lambda item: item.line)))


def _stored_row(row: RegisterRow, outcome: MarkOutcome) -> RowReport:
    return RowReport(row.line, row.email, outcome.action.value, statement_id=outcome.statement_id)
