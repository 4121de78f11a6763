"""The attendance statement shape: valid xAPI in both versions, one shape for every mark."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs.attendance.statements import (
    ABSENT_VERB,
    ATTENDED_VERB,
    FIRST_JOIN_EXTENSION,
    LATE_EXTENSION,
    NOTES_EXTENSION,
    SOURCE_EXTENSION,
    AttendanceMark,
    Mark,
    MarkSource,
    Person,
    attendance_statement,
    iso_duration,
    mark_statement_id,
    voiding_statement,
    voiding_statement_id,
)
from lrs.xapi.statements import validate_statement
from tests.lrs.attendance.support import FACILITATOR, ROOM_IRI, programme

ROOM = programme().session("att-room")
ADA = Person("Ada@Council.gov.uk", "Ada Lovelace")


def _mark(mark: Mark, **changes: object) -> AttendanceMark:
    fields: dict[str, object] = {
        "learner": ADA,
        "mark": mark,
        "source": MarkSource.CHECKIN,
        "instructor": Person(FACILITATOR, "Fran"),
    }
    fields.update(changes)
    return AttendanceMark(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("mark", list(Mark))
def test_every_mark_is_a_valid_statement(mark: Mark, version: str) -> None:
    statement = attendance_statement(
        ROOM, _mark(mark, notes="left at 11", duration_seconds=5400), statement_id="x"
    )
    statement["id"] = mark_statement_id(ROOM, ADA.email, 0)
    validate_statement(statement, version=version)


def test_present_statement_shape() -> None:
    statement = attendance_statement(ROOM, _mark(Mark.PRESENT), statement_id="id-1")
    assert statement["actor"] == {
        "objectType": "Agent",
        "mbox": "mailto:ada@council.gov.uk",
        "name": "Ada Lovelace",
    }
    assert statement["verb"]["id"] == ATTENDED_VERB
    assert statement["object"]["id"] == ROOM_IRI
    assert statement["object"]["definition"]["name"] == {"en-GB": ROOM.title}
    assert statement["context"]["instructor"] == {
        "objectType": "Agent",
        "mbox": f"mailto:{FACILITATOR}",
        "name": "Fran",
    }
    assert statement["context"]["extensions"][SOURCE_EXTENSION] == "checkin"
    assert statement["timestamp"] == "2025-10-14T09:00:00.000000Z"  # 10:00 BST
    assert "result" not in statement and "registration" not in statement["context"]


def test_late_absent_and_details() -> None:
    late = attendance_statement(
        ROOM, _mark(Mark.LATE, registration="ec531277-b57b-4c15-8d91-d292c5b2b8f7"), statement_id="a"
    )
    assert late["verb"]["id"] == ATTENDED_VERB
    assert late["result"] == {"extensions": {LATE_EXTENSION: True}}
    assert late["context"]["registration"] == "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
    joined = datetime(2025, 10, 14, 9, 20, tzinfo=UTC)
    absent = attendance_statement(
        ROOM,
        _mark(Mark.ABSENT, duration_seconds=1500, notes="phone trouble", first_join=joined),
        statement_id="b",
    )
    assert absent["verb"]["id"] == ABSENT_VERB
    assert absent["result"]["duration"] == "PT25M"
    assert absent["result"]["extensions"] == {NOTES_EXTENSION: "phone trouble"}
    assert absent["context"]["extensions"][FIRST_JOIN_EXTENSION] == "2025-10-14T09:20:00.000000Z"
    assert absent["timestamp"] == "2025-10-14T09:20:00.000000Z"


def test_ids_are_deterministic_per_session_learner_and_revision() -> None:
    first = mark_statement_id(ROOM, "ada@council.gov.uk", 0)
    assert first == mark_statement_id(ROOM, " ADA@council.gov.uk ", 0)
    assert first != mark_statement_id(ROOM, "ada@council.gov.uk", 1)
    assert first != mark_statement_id(programme().session("att-online"), "ada@council.gov.uk", 0)
    void = voiding_statement(first, ADA.agent())
    assert void["id"] == voiding_statement_id(first) and void["object"] == {
        "objectType": "StatementRef",
        "id": first,
    }
    validate_statement(void, version="1.0.3")


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "PT0S"), (59, "PT59S"), (60, "PT1M"), (5400, "PT1H30M"), (3661, "PT1H1M1S")]
)
def test_iso_duration(seconds: int, text: str) -> None:
    assert iso_duration(seconds) == text
