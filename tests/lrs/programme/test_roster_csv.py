"""Roster CSV parsing: loose header names, strict unknown columns, line numbers for the report."""

from __future__ import annotations

import pytest

from lrs.errors import InvalidRequest
from lrs.programme.roster import parse_roster_csv


def test_headers_are_matched_loosely_and_line_numbers_kept() -> None:
    text = (
        "\ufeffName,Work_Email,EMPLOYEE-NUMBER,Organisation,Job title\n"
        '"Shah, Priya",priya@north.gov.example,N1,North Council,"Director,\nDigital"\n'
        "\n"
        "Tom Reid, tom@south.gov.example ,,South Council,Head of IT\n"
    )
    rows = parse_roster_csv(text)
    assert [(row.line, row.name, row.email, row.role) for row in rows] == [
        (3, "Shah, Priya", "priya@north.gov.example", "Director,\nDigital"),
        (5, "Tom Reid", "tom@south.gov.example", "Head of IT"),
    ]
    assert rows[0].employee_number == "N1" and rows[1].employee_number == ""
    assert rows[0].organisation == "North Council" and rows[0].cohort == ""


def test_a_row_with_too_many_fields_is_kept_as_a_problem() -> None:
    rows = parse_roster_csv("name,email,council\nA,a@x.example,North,extra\n")
    assert rows[0].problem == "4 fields, the header has 3"


@pytest.mark.parametrize(
    ("header", "field", "message"),
    [
        ("name,emial,council", "roster.header[1]", "unknown column 'emial'"),
        ("name,email,council,email", "roster.header[3]", "appears twice"),
        ("name,email,role", "roster.header", "missing column 'council'"),
    ],
)
def test_bad_headers_refuse_the_file(header: str, field: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_roster_csv(header + "\n")
    assert caught.value.field == field and message in caught.value.message


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="empty"):
        parse_roster_csv("")
