"""One completion record (learner x item) as HR systems take it, and its HR column names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

SOURCE = "cohort-lrs"
FINISHED = frozenset({"completed", "passed", "waived", "attended"})


@dataclass(frozen=True)
class CompletionRecord:
    record_id: int
    learner_id: int
    employee_number: str | None
    work_email: str
    name: str
    organisation_id: str
    organisation_name: str
    role: str
    programme: str
    cohort: str
    item_type: str
    item_id: str
    item_title: str | None
    status: str | None
    enrolled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    satisfied_at: datetime | None
    score_scaled: float | None
    time_spent_minutes: float | None
    completion_pct: float | None
    off_the_job_hours: float | None
    updated_at: datetime
    deleted: bool
    change_seq: int

    def as_json(self) -> dict[str, Any]:
        return {
            "record_id": str(self.record_id),
            "learner_id": str(self.learner_id),
            "employee_number": self.employee_number,
            "work_email": self.work_email,
            "name": self.name,
            "organisation": {"id": self.organisation_id, "name": self.organisation_name},
            "role": self.role,
            "programme": self.programme,
            "cohort": self.cohort,
            "item_type": self.item_type,
            "item_id": self.item_id,
            "item_title": self.item_title,
            "status": self.status,
            "enrolled_at": _iso(self.enrolled_at),
            "started_at": _iso(self.started_at),
            "completed_at": _iso(self.completed_at),
            "satisfied_at": _iso(self.satisfied_at),
            "score_scaled": self.score_scaled,
            "time_spent_minutes": self.time_spent_minutes,
            "completion_pct": self.completion_pct,
            "off_the_job_hours": self.off_the_job_hours,
            "updated_at": _iso(self.updated_at),
            "deleted": self.deleted,
            "source": SOURCE,
        }


# (HR column name, JSON field): the flat file layout, in order. See docs/reporting.md.
HR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Record ID", "record_id"),
    ("Person ID", "learner_id"),
    ("Employee Number", "employee_number"),
    ("Work Email", "work_email"),
    ("Full Name", "name"),
    ("Organisation ID", "organisation_id"),
    ("Organisation Name", "organisation_name"),
    ("Job Role", "role"),
    ("Programme Code", "programme"),
    ("Cohort Code", "cohort"),
    ("Learning Item Type", "item_type"),
    ("Learning Item Code", "item_id"),
    ("Learning Item Title", "item_title"),
    ("Completion Status", "status"),
    ("Enrolment Date", "enrolled_at"),
    ("Start Date", "started_at"),
    ("Completion Date", "completed_at"),
    ("Satisfied Date", "satisfied_at"),
    ("Score (0-1)", "score_scaled"),
    ("Time Spent (minutes)", "time_spent_minutes"),
    ("Completion %", "completion_pct"),
    ("Off-the-job Hours", "off_the_job_hours"),
    ("Last Updated", "updated_at"),
    ("Deleted", "deleted"),
    ("Source", "source"),
)


def flat_values(record: CompletionRecord) -> list[object]:
    """The record's values in HR_COLUMNS order (times as ISO 8601 UTC, `deleted` as Y/N)."""
    data = record.as_json()
    data["organisation_id"] = record.organisation_id
    data["organisation_name"] = record.organisation_name
    data["deleted"] = "Y" if record.deleted else "N"
    return [data[field] for _, field in HR_COLUMNS]


def completion_pct(status: str | None, done: int | None, total: int | None) -> float | None:
    """An item: 100 when finished, else 0; a programme or block: the share of its items finished."""
    if status is None:
        return None
    if total:
        return round(100.0 * (done or 0) / total, 1)
    return 100.0 if status in FINISHED else 0.0


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None
