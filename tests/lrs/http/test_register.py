"""POST /admin/sessions/{session}/register over real HTTP: auth, media type, per-row report, 422."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lrs.attendance.statements import ABSENT_VERB, ATTENDED_VERB
from tests.lrs.attendance.server import attendance_lrs
from tests.lrs.attendance.support import COHORT_ID, FACILITATOR, ROOM_IRI, SteppingClock
from tests.lrs_server import RunningLrs

URL = "/admin/sessions/att-room/register"
CSV = {"Content-Type": "text/csv"}
GOOD = "email,status,minutes\nada@council.gov.uk,present,120\nbob@council.gov.uk,absent,\n"


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningLrs]:
    async with attendance_lrs(database_url, tmp_path, SteppingClock()) as running:
        yield running


async def test_upload_records_marks_and_reports_each_row(server: RunningLrs) -> None:
    params = {"facilitator": FACILITATOR, "facilitator_name": "Fran"}
    response = await server.request("POST", URL, params=params, data=GOOD.encode(), headers=CSV)
    assert response.status == 200
    body = await response.json()
    assert body["stored"] is True and body["errors"] == 0
    assert [(row["line"], row["outcome"]) for row in body["rows"]] == [(2, "recorded"), (3, "recorded")]
    listed = await server.request("GET", "/xapi/statements", params={"activity": ROOM_IRI})
    statements = (await listed.json())["statements"]
    assert sorted(s["verb"]["id"] for s in statements) == sorted([ATTENDED_VERB, ABSENT_VERB])
    assert {s["context"]["instructor"]["name"] for s in statements} == {"Fran"}
    cohort = await (await server.request("GET", f"/admin/cohorts/{COHORT_ID}")).json()
    registrations = {entry["email"].lower(): entry["registration"] for entry in cohort["roster"]}
    by_learner = {s["actor"]["mbox"].removeprefix("mailto:").lower(): s for s in statements}
    assert {email: s["context"]["registration"] for email, s in by_learner.items()} == {
        email: registrations[email] for email in by_learner
    }  # each mark carries the learner's enrolment registration
    again = await server.request("POST", URL, params=params, data=GOOD.encode(), headers=CSV)
    assert [row["outcome"] for row in (await again.json())["rows"]] == ["unchanged", "unchanged"]


async def test_bad_rows_reject_the_file_with_422_unless_accept_valid(server: RunningLrs) -> None:
    text = GOOD + "zed@elsewhere.gov.uk,present,\n"
    params = {"facilitator": FACILITATOR}
    rejected = await server.request("POST", URL, params=params, data=text.encode(), headers=CSV)
    assert rejected.status == 422
    body = await rejected.json()
    assert body["stored"] is False and body["errors"] == 1 and "accept_valid" in body["message"]
    assert [row["outcome"] for row in body["rows"]] == ["not-stored", "not-stored", "error"]
    listed = await server.request("GET", "/xapi/statements", params={"activity": ROOM_IRI})
    assert (await listed.json())["statements"] == []
    accepted = await server.request(
        "POST", URL, params={**params, "accept_valid": "true"}, data=text.encode(), headers=CSV
    )
    assert accepted.status == 200
    assert [row["outcome"] for row in (await accepted.json())["rows"]] == ["recorded", "recorded", "error"]


async def test_refusals(server: RunningLrs) -> None:
    params = {"facilitator": FACILITATOR}
    url = server.server.make_url(URL)
    async with server.session.post(url, params=params, data=GOOD, headers=CSV) as anonymous:
        assert anonymous.status == 401
    writer = await server.credential("statements/write")
    weak = await server.request("POST", URL, params=params, data=GOOD.encode(), headers={**CSV, **writer})
    assert weak.status == 403
    as_json = await server.request("POST", URL, params=params, json={"email": "ada@council.gov.uk"})
    assert as_json.status == 415
    no_facilitator = await server.request("POST", URL, data=GOOD.encode(), headers=CSV)
    assert no_facilitator.status == 400 and (await no_facilitator.json())["field"] == "facilitator"
    unknown = await server.request(
        "POST", "/admin/sessions/nope/register", params=params, data=GOOD.encode(), headers=CSV
    )
    assert unknown.status == 404
    latin1 = await server.request(
        "POST", URL, params=params, data="email,status\nzoë@x.org,present\n".encode("latin-1"), headers=CSV
    )
    assert latin1.status == 400 and "UTF-8" in (await latin1.json())["message"]
    bad_header = await server.request("POST", URL, params=params, data=b"mail,state\n", headers=CSV)
    assert bad_header.status == 400 and (await bad_header.json())["field"] == "register"
