"""CSV (plain and excel), XLSX: HR column names, every record, formulas neutralised."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import update

from lrs.progress import verbs
from lrs.reporting.records import HR_COLUMNS
from lrs.storage.programme_models import LearnerRow
from tests.lrs.progress.cohort import BASE, statement
from tests.lrs.reporting.support import PATH, projecting
from tests.lrs_server import RunningLrs

HOSTILE = '=HYPERLINK("http://evil.example")'


async def hostile_cohort(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, ["zoe@north.gov.uk"])
    async with lrs.database.write_session() as session, session.begin():
        await session.execute(update(LearnerRow).values(name=HOSTILE, role="+44 Head"))
    await cohort.post([statement("zoe@north.gov.uk", verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])


async def test_csv_has_hr_columns_and_neutralises_formulas(lrs: RunningLrs) -> None:
    await hostile_cohort(lrs)
    response = await lrs.request("GET", PATH, headers={"Accept": "text/csv"})
    assert response.status == 200 and response.content_type == "text/csv"
    raw = await response.read()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert rows[0] == [name for name, _ in HR_COLUMNS]
    assert len(rows) == 1 + 6
    name, role = rows[0].index("Full Name"), rows[0].index("Job Role")
    assert {row[name] for row in rows[1:]} == {"'" + HOSTILE}
    assert {row[role] for row in rows[1:]} == {"'+44 Head"}


async def test_excel_csv_has_a_bom_and_crlf(lrs: RunningLrs) -> None:
    await hostile_cohort(lrs)
    raw = await (await lrs.request("GET", PATH, params={"format": "excel"})).read()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 7


async def test_xlsx_holds_every_record(lrs: RunningLrs) -> None:
    await hostile_cohort(lrs)
    response = await lrs.request("GET", PATH, params={"format": "xlsx", "item_type": "module"})
    assert response.status == 200
    workbook = load_workbook(io.BytesIO(await response.read()), read_only=True)
    rows = [list(row) for row in workbook["Completions"].iter_rows(values_only=True)]
    workbook.close()
    assert rows[0] == [name for name, _ in HR_COLUMNS]
    status = rows[0].index("Completion Status")
    assert sorted(row[status] for row in rows[1:]) == ["completed", "not_started"]
    assert {row[rows[0].index("Full Name")] for row in rows[1:]} == {"'" + HOSTILE}
