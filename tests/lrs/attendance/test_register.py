"""CSV registers: row checks against the roster, all-or-nothing, accept_valid, re-upload idempotence."""

from __future__ import annotations

import pytest

from lrs.attendance.register import RegisterReport, import_register, parse_register
from lrs.attendance.statements import (
    ABSENT_VERB,
    ATTENDED_VERB,
    LATE_EXTENSION,
    NOTES_EXTENSION,
    Person,
    mark_statement_id,
)
from lrs.errors import InvalidRequest
from lrs.storage.engine import Database
from lrs.storage.statement_query import find_statement
from tests.lrs.attendance.support import FACILITATOR, SteppingClock, plan, writer

FRAN = Person(FACILITATOR, "Fran")
GOOD = (
    "\ufeffEmail,Status,Minutes,Notes\n"
    "ada@council.gov.uk,present,120,\n"
    "BOB@council.gov.uk,Late,95,train delayed\n"
    "\n"
    "cat@council.gov.uk,absent,,\n"
)


async def _import(
    database: Database, text: str, *, accept_valid: bool = False, session: str = "att-room"
) -> RegisterReport:
    return await import_register(
        database,
        await plan(session),
        text,
        facilitator=FRAN,
        accept_valid=accept_valid,
        writer=writer(),
        clock=SteppingClock(),
    )


async def test_rows_become_marks(database: Database) -> None:
    report = await _import(database, GOOD)
    assert report.stored and report.errors == 0
    assert [(row.line, row.email, row.outcome) for row in report.rows] == [
        (2, "ada@council.gov.uk", "recorded"),
        (3, "bob@council.gov.uk", "recorded"),
        (5, "cat@council.gov.uk", "recorded"),
    ]
    session = (await plan("att-room")).session
    async with database.read_session() as db:
        bob = await find_statement(db, mark_statement_id(session, "bob@council.gov.uk", 0), voided=False)
        cat = await find_statement(db, mark_statement_id(session, "cat@council.gov.uk", 0), voided=False)
    assert bob is not None and cat is not None
    assert bob[0]["verb"]["id"] == ATTENDED_VERB
    assert bob[0]["result"] == {
        "duration": "PT1H35M",
        "extensions": {LATE_EXTENSION: True, NOTES_EXTENSION: "train delayed"},
    }
    assert bob[0]["actor"]["name"] == "Bob Brown"  # the roster's name, not the file's spelling
    assert bob[0]["context"]["instructor"]["mbox"] == f"mailto:{FACILITATOR}"
    assert cat[0]["verb"]["id"] == ABSENT_VERB
    again = await _import(database, GOOD)
    assert {row.outcome for row in again.rows} == {"unchanged"}


async def test_one_bad_row_rejects_the_file_unless_accept_valid(database: Database) -> None:
    text = (
        "email,status\nada@council.gov.uk,present\nzed@elsewhere.gov.uk,present\nbob@council.gov.uk,asleep\n"
    )
    rejected = await _import(database, text)
    assert not rejected.stored and rejected.errors == 2
    assert [(row.line, row.outcome) for row in rejected.rows] == [
        (2, "not-stored"),
        (3, "error"),
        (4, "error"),
    ]
    assert "not on its roster" in rejected.rows[1].message and "asleep" in rejected.rows[2].message
    session = (await plan("att-room")).session
    async with database.read_session() as db:
        assert (
            await find_statement(db, mark_statement_id(session, "ada@council.gov.uk", 0), voided=False)
            is None
        )
    accepted = await _import(database, text, accept_valid=True)
    assert accepted.stored and [row.outcome for row in accepted.rows] == ["recorded", "error", "error"]
    async with database.read_session() as db:
        assert await find_statement(db, mark_statement_id(session, "ada@council.gov.uk", 0), voided=False)


async def test_session_attendee_list_narrows_the_roster(database: Database) -> None:
    report = await _import(database, "email,status\ncat@council.gov.uk,present\n", session="att-pair")
    assert not report.stored and "not on its roster" in report.rows[0].message


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("ada@council.gov.uk,present,-5,", "minutes"),
        ("ada@council.gov.uk,present,2000,", "minutes"),
        ("ada@council.gov.uk,present,1.5,", "minutes"),
        ("not-an-email,present,,", "not an email"),
        (",present,,", "not an email"),
        ("ada@council.gov.uk,,,", "status"),
        ("ada@council.gov.uk,present,," + "x" * 501, "notes"),
        ("ada@council.gov.uk,present,,note,extra", "5 fields, the header has 4"),
    ],
)
async def test_row_problems(row: str, problem: str) -> None:
    rows, problems = parse_register(f"email,status,minutes,notes\n{row}\n", await plan("att-room"))
    assert rows == [] and len(problems) == 1 and problem in problems[0].message


async def test_duplicates_are_reported_with_the_first_line() -> None:
    text = "email,status\nada@council.gov.uk,present\nADA@council.gov.uk,absent\n"
    rows, problems = parse_register(text, await plan("att-room"))
    assert len(rows) == 1 and problems[0].line == 3 and "already on line 2" in problems[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("email,minutes\n", "missing column(s) status"),
        ("email,status,grade\n", "unknown column(s) grade"),
    ],
)
async def test_unusable_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_register(text, await plan("att-room"))
