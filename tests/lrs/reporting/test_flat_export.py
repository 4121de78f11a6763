"""The file exports (lrs.reporting.flat: raw rows, big pages, read ahead) carry exactly the JSON API's
records: same values, same times, same off-the-job hours, tombstones included, across page edges."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import update

from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.reporting.export import CSV_PLAIN, csv_chunk, csv_header
from lrs.reporting.filters import CompletionFilters
from lrs.reporting.flat import flat_pass
from lrs.reporting.records import HR_COLUMNS
from lrs.reporting.xlsx import write_xlsx
from lrs.storage.programme_models import LearnerRow
from tests.lrs.progress.cohort import BASE, lead_definition, statement
from tests.lrs.reporting.support import PATH, projecting, pull
from tests.lrs_server import RunningLrs

FAILED_QUIZ = {"duration": "PT95M", "score": {"scaled": -0.25}}  # a negative number stays a number
EMAILS = ["amina.osei@north.gov.uk", "ben.hall@north.gov.uk", "cara.jones@north.gov.uk"]


def expected_cells(record: dict[str, Any]) -> list[str]:
    """A JSON record as its CSV cells: the mapping docs/reporting.md gives."""
    flat = {**record, "organisation_id": record["organisation"]["id"]}
    flat["organisation_name"] = record["organisation"]["name"]
    flat["deleted"] = "Y" if record["deleted"] else "N"
    cells = []
    for _, field in HR_COLUMNS:
        value = flat[field]
        text = "" if value is None else str(value)
        formula = isinstance(value, str) and text[:1] in ("=", "+", "-", "@")  # a number stays a number
        cells.append("'" + text if formula else text)
    return cells


async def test_csv_rows_are_the_json_records(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, EMAILS)
    definition = lead_definition()
    hours = {"minimum_hours": 5, "modules": {"intro": 3.5}, "session_kinds": {"academy": 2}}
    definition["off_the_job"] = hours
    async with lrs.database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(definition), source="test", now=cohort.clock.now)
        await session.execute(update(LearnerRow).where(LearnerRow.email == EMAILS[1]).values(role="-1 Head"))
    await cohort.worker.run_until_idle()
    done = cohort.clock.now + timedelta(minutes=7, microseconds=250)
    await cohort.post(
        [
            statement(EMAILS[0], verbs.COMPLETED, f"{BASE}/intro", done, result={"duration": "PT50M"}),
            statement(EMAILS[1], verbs.FAILED, f"{BASE}/quiz", done, result=FAILED_QUIZ),
        ]
    )
    await cohort.set_status(EMAILS[2], "withdrawn")
    json_records = (await pull(lrs))["records"]
    assert any(record["deleted"] for record in json_records)
    assert any(record["off_the_job_hours"] for record in json_records)

    raw = await (await lrs.request("GET", PATH, params={"format": "csv"})).read()
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert rows[0] == [name for name, _ in HR_COLUMNS]
    assert rows[1:] == [expected_cells(record) for record in json_records]

    pages = [page async for page in flat_pass(lrs.database, CompletionFilters(), page_rows=4)]
    assert len(pages) == -(-len(json_records) // 4)  # a page of 4 at a time, the read-ahead stops
    small = csv_header(CSV_PLAIN) + "".join(csv_chunk(page, CSV_PLAIN) for page in pages)
    assert small == raw.decode()


async def test_a_filtered_export_matches_the_filtered_json(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, EMAILS)
    at = cohort.clock.now
    await cohort.post([statement(EMAILS[0], verbs.COMPLETED, f"{BASE}/intro", at)])
    json_records = (await pull(lrs, item_type="module", status="completed"))["records"]
    assert [record["item_id"] for record in json_records] == ["intro"]
    raw = await (
        await lrs.request("GET", PATH, params={"format": "csv", "item_type": "module", "status": "completed"})
    ).read()
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert rows[1:] == [expected_cells(record) for record in json_records]


async def test_an_xlsx_larger_than_a_sheet_carries_on_in_the_next_sheet(
    lrs: RunningLrs, tmp_path: Path
) -> None:
    cohort = await projecting(lrs.database, EMAILS)
    await cohort.post([statement(EMAILS[0], verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])
    json_records = (await pull(lrs))["records"]
    path = tmp_path / "small-sheets.xlsx"
    count = await write_xlsx(flat_pass(lrs.database, CompletionFilters(), page_rows=3), path, sheet_rows=5)
    assert count == len(json_records)
    workbook = load_workbook(path, read_only=True)
    sheets = [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets]
    workbook.close()
    assert workbook.sheetnames[:2] == ["Completions", "Completions 2"]
    header = [name for name, _ in HR_COLUMNS]
    assert all(rows[0] == header and 1 < len(rows) <= 5 for rows in sheets)
    record_ids = [row[0] for rows in sheets for row in rows[1:]]
    assert record_ids == [record["record_id"] for record in json_records]
