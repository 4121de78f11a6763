"""The CSV export built from database-made lines (lrs.reporting.csv_lines) is byte for byte the file
the row-by-row path makes (lrs.reporting.flat rows through csv.writer), on SQLite and PostgreSQL:
awkward text (commas, quotes, line ends, formula starts, non-ASCII), NULLs, floats, tombstones,
off-the-job hours of every kind, page edges, filters, and the excel variant."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert

from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.reporting.csv_lines import csv_pass
from lrs.reporting.export import CSV_EXCEL, CSV_PLAIN, CsvDialect, csv_chunk, csv_header
from lrs.reporting.filters import CompletionFilters, parse_filters
from lrs.reporting.flat import flat_pass
from lrs.storage.engine import Database
from lrs.storage.programme_models import EnrolmentRow, LearnerRow, OrganisationRow
from lrs.storage.progress_models import ProgressRecord

PROGRAMME_FILE = Path(__file__).resolve().parents[3] / "config/programmes/place-directors-academy.toml"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AWKWARD = [
    "Amina, Osei",
    'Ben "the boss" Hall',
    "Cara\nJones",
    "Dee\r\nLine",
    '=HYPERLINK("https://evil.example","Click")',
    "+44 1234",
    "-1 Head",
    "@mention",
    "\tTabbed",
    "Siân Ní Bhriain 🌿",
    "",
]
SCORES = [None, 0.8333333333333334, 1e-05, -0.25, 1.0, 0.1 + 0.2, 0.0]


def programme_definition() -> dict[str, object]:
    with PROGRAMME_FILE.open("rb") as handle:
        definition = tomllib.load(handle)
    del definition["off_the_job"]["modules"]["portfolio"]  # counted by its e-learning time instead
    return definition


async def seed(database: Database) -> None:
    programme = parse_programme(programme_definition())
    cohort = programme.cohorts[0].id
    items = [("module", module.id) for module in programme.modules]
    items += [("session", session.id) for session in programme.sessions[:4]] + [("programme", programme.id)]
    async with database.write_session() as session, session.begin():
        await session.execute(
            insert(OrganisationRow),
            [
                {"id": "somerset", "name": "Somerset, Council", "sector": "council"},
                {"id": "bath", "name": '=cmd|"/c calc"!A1', "sector": "council"},
            ],
        )
        await save_programme(session, programme, source="test", now=AT)
        for n, text in enumerate(AWKWARD):
            email = f"learner{n}@example.gov.uk"
            await session.execute(
                insert(LearnerRow).values(
                    name=text or "Plain Name",
                    email=email,
                    email_key=email,
                    employee_number=None if n % 3 == 0 else f"-E{n}",
                    organisation_id="somerset" if n % 2 else "bath",
                    role=text,
                    created_at=AT,
                    updated_at=AT,
                )
            )
        learner_ids = range(1, len(AWKWARD) + 1)
        await session.execute(
            insert(EnrolmentRow),
            [
                {
                    "learner_id": learner_id,
                    "cohort_id": cohort,
                    "status": "enrolled",
                    "enrolled_at": AT - timedelta(days=7, microseconds=0 if learner_id % 2 else 250),
                    "registration": f"00000000-0000-4000-8000-{learner_id:012d}",
                }
                for learner_id in learner_ids
            ],
        )
        rows = [
            progress_row(programme.id, cohort, learner_id, kind, item_id, index)
            for learner_id in learner_ids
            for index, (kind, item_id) in enumerate(items)
        ]
        await session.execute(insert(ProgressRecord), rows)
        gone = (ProgressRecord.learner_id == 2) & (ProgressRecord.item_kind == "module")
        await session.execute(delete(ProgressRecord).where(gone))  # tombstones


def progress_row(
    programme_id: str, cohort: str, learner_id: int, kind: str, item_id: str, index: int
) -> dict[str, object]:
    turn = learner_id + index
    at = AT + timedelta(minutes=turn, microseconds=0 if turn % 3 == 0 else turn * 7)
    if kind == "session":
        status = ("attended", "absent", "not_started")[turn % 3]
    else:
        status = ("completed", "in_progress", "passed", "failed", "not_started", "waived")[turn % 6]
    started = status != "not_started"
    finished = status in ("completed", "passed", "waived", "attended")
    return {
        "programme_id": programme_id,
        "cohort_id": cohort,
        "learner_id": learner_id,
        "item_kind": kind,
        "item_id": item_id,
        "status": status,
        "first_activity_at": at if started else None,
        "last_activity_at": at if started else None,
        "completed_at": at if finished else None,
        "satisfied_at": at if finished and turn % 4 else None,
        "score_scaled": SCORES[turn % len(SCORES)],
        "time_spent_ms": (0, 1_500_000, 3_000, 9_000, 2_675_000, 123_456_789)[turn % 6],
    }


async def row_by_row(database: Database, filters: CompletionFilters, dialect: CsvDialect, pages: int) -> str:
    chunks = [csv_chunk(page, dialect) async for page in flat_pass(database, filters, page_rows=pages)]
    return csv_header(dialect) + "".join(chunks)


async def from_lines(database: Database, filters: CompletionFilters, dialect: CsvDialect, pages: int) -> str:
    chunks = [text async for text, _count in csv_pass(database, filters, dialect, page_rows=pages)]
    return csv_header(dialect) + "".join(chunks)


@pytest.mark.parametrize("dialect", [CSV_PLAIN, CSV_EXCEL], ids=["plain", "excel"])
async def test_the_lines_are_the_row_by_row_file_byte_for_byte(
    database: Database, dialect: CsvDialect
) -> None:
    await seed(database)
    expected = await row_by_row(database, CompletionFilters(), dialect, 10_000)
    assert expected.count("cohort-lrs") == len(AWKWARD) * 9  # every record, tombstones included
    for awkward in ("'=HYPERLINK", '"Cara\nJones"', "'-E1", ",Y,", "0.8333333333333334", "1e-05", "🌿"):
        assert awkward in expected
    assert await from_lines(database, CompletionFilters(), dialect, 10_000) == expected
    assert await from_lines(database, CompletionFilters(), dialect, 7) == expected  # across page edges


@pytest.mark.parametrize(
    "params",
    [
        {"organisation": "somerset"},
        {"status": "completed"},
        {"item_type": "programme"},
        {"item_type": "session", "organisation": "bath"},
        {"since": "c40"},
        {"since": "2026-03-02T09:05:00Z"},
    ],
)
async def test_filtered_lines_are_the_filtered_row_by_row_file(
    database: Database, params: dict[str, str]
) -> None:
    await seed(database)
    filters = parse_filters(params)
    expected = await row_by_row(database, filters, CSV_PLAIN, 5)
    assert expected.count("\n") > 1
    assert await from_lines(database, filters, CSV_PLAIN, 5) == expected


async def test_counts_are_records_not_line_ends(database: Database) -> None:
    await seed(database)
    counts = [
        count async for _text, count in csv_pass(database, CompletionFilters(), CSV_PLAIN, page_rows=10)
    ]
    assert sum(counts) == len(AWKWARD) * 9 and max(counts) == 10


async def test_a_pass_stopped_early_leaves_no_read_behind(database: Database) -> None:
    """A download the client abandons: the pages being read ahead are cancelled, and the store
    answers the next pass in full."""
    await seed(database)
    passes = csv_pass(database, CompletionFilters(), CSV_PLAIN, page_rows=10)
    async for _text, count in passes:
        assert count == 10
        break
    await passes.aclose()
    assert await from_lines(database, CompletionFilters(), CSV_PLAIN, 10) == await row_by_row(
        database, CompletionFilters(), CSV_PLAIN, 10
    )
