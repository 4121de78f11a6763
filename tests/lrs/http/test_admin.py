"""Admin API on a running server (SQLite and PostgreSQL): programmes, cohorts, roster import."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lrs.programme.loader import load_programme_file, parse_programme
from lrs.programme.roster_import import LEARNER_ENROLLED
from lrs.storage.models import OutboxEvent
from tests.lrs.programme.definitions import EXAMPLES_DIR, minimal_definition
from tests.lrs_server import RunningLrs, running_lrs

ROSTER = (
    "name,work email,employee number,council,role\n"
    "Priya Shah,priya.shah@ashbourne-vale.gov.example,AV1,ashbourne-vale-dc,Director of Digital\n"
    "Tom Reid,tom.reid@dunmere.gov.example,DU7,Dunmere Unitary Authority,Head of IT\n"
)
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(database_url, programmes_dir=str(EXAMPLES_DIR)) as running:
        yield running


async def test_programme_files_are_loaded_at_start_once(server: RunningLrs, database_url: str) -> None:
    response = await server.request("GET", "/admin/programmes")
    assert response.status == 200
    listed = {item["id"]: item for item in (await response.json())["programmes"]}
    assert len(listed) == 5 and listed["learn-adapt-lead"]["version"] == 1
    assert listed["learn-adapt-lead"]["source"].endswith("learn-adapt-lead.toml")
    async with running_lrs(database_url, programmes_dir=str(EXAMPLES_DIR)) as again:
        response = await again.request("GET", "/admin/programmes")
        assert {item["version"] for item in (await response.json())["programmes"]} == {1}


async def test_admin_needs_the_all_scope(server: RunningLrs) -> None:
    anonymous = await server.session.get(server.server.make_url("/admin/programmes"))
    assert anonymous.status == 401
    reader = await server.credential("statements/read all/read")
    response = await server.request("GET", "/admin/programmes", headers=reader)
    assert response.status == 403
    message = (await response.json())["message"]
    assert "does not grant the access this needs: admin" in message and "all/read" in message


async def test_get_returns_the_definition_the_file_holds(server: RunningLrs) -> None:
    response = await server.request("GET", "/admin/programmes/learn-adapt-lead")
    assert response.status == 200
    definition = await response.json()
    assert parse_programme(definition) == load_programme_file(EXAMPLES_DIR / "learn-adapt-lead.toml")
    assert definition["sessions"][0]["start"] == "2025-09-23T09:30:00+01:00"
    missing = await server.request("GET", "/admin/programmes/no-such-programme")
    assert missing.status == 404


async def test_put_creates_versions_and_validates(server: RunningLrs) -> None:
    definition = minimal_definition()
    created = await server.request("PUT", "/admin/programmes/pilot", json=definition)
    assert (created.status, await created.json()) == (201, {"id": "pilot", "version": 1, "changed": True})
    same = await server.request("PUT", "/admin/programmes/pilot", json=definition)
    assert (same.status, (await same.json())["changed"]) == (200, False)
    changed = copy.deepcopy(definition)
    changed["programme"]["title"] = "Pilot programme (revised)"
    revised = await server.request("PUT", "/admin/programmes/pilot", json=changed)
    assert (await revised.json())["version"] == 2
    invalid = copy.deepcopy(definition)
    invalid["sessions"][2]["end"] = "2025-11-11T08:00:00"
    bad = await server.request("PUT", "/admin/programmes/pilot", json=invalid)
    body = await bad.json()
    assert (
        bad.status == 400
        and body["field"] == "sessions[2].end"
        and "is not after the start" in body["message"]
    )
    wrong_id = await server.request("PUT", "/admin/programmes/other", json=definition)
    assert wrong_id.status == 400 and (await wrong_id.json())["field"] == "programme.id"
    not_json = await server.request(
        "PUT", "/admin/programmes/pilot", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status == 400
    clash = minimal_definition("copycat", "lal-2025-autumn")
    conflict = await server.request("PUT", "/admin/programmes/copycat", json=clash)
    assert conflict.status == 409 and "learn-adapt-lead" in (await conflict.json())["message"]


async def test_roster_import_is_all_or_nothing_then_idempotent(server: RunningLrs) -> None:
    path = "/admin/cohorts/lal-2025-autumn/roster"
    refused = await server.request("POST", path, data=ROSTER, headers=CSV)
    report = await refused.json()
    assert refused.status == 422 and not report["written"]
    assert [row["outcome"] for row in report["rows"]] == ["would create", "rejected"]
    assert "not eligible for cohort lal-2025-autumn" in report["rows"][1]["reason"]
    cohort = await (await server.request("GET", "/admin/cohorts/lal-2025-autumn")).json()
    assert cohort["roster"] == [] and len(cohort["sessions"]) == 10

    accepted = await server.request("POST", path, data=ROSTER, headers=CSV, params={"accept_valid": "true"})
    assert accepted.status == 200 and (await accepted.json())["counts"]["created"] == 1
    again = await server.request("POST", path, data=ROSTER.rsplit("Tom Reid", 1)[0], headers=CSV)
    assert again.status == 200 and (await again.json())["counts"]["unchanged"] == 1

    cohort = await (await server.request("GET", "/admin/cohorts/lal-2025-autumn")).json()
    assert cohort["programme"] == "learn-adapt-lead"
    assert [(entry["name"], entry["organisation"], entry["status"]) for entry in cohort["roster"]] == [
        ("Priya Shah", "ashbourne-vale-dc", "enrolled")
    ]
    async with server.database.read_session() as session:
        events = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == LEARNER_ENROLLED)))
    assert [json.loads(event.payload) for event in events] == [
        {
            "learner_id": cohort["roster"][0]["learner_id"],
            "cohort_id": "lal-2025-autumn",
            "programme_id": "learn-adapt-lead",
        }
    ]


async def test_roster_request_errors(server: RunningLrs) -> None:
    path = "/admin/cohorts/lal-2025-autumn/roster"
    as_json = await server.request("POST", path, json={"rows": []})
    assert as_json.status == 415
    unknown = await server.request("POST", "/admin/cohorts/nope/roster", data=ROSTER, headers=CSV)
    assert unknown.status == 404
    header = await server.request("POST", path, data="name,emial,council\n", headers=CSV)
    assert header.status == 400 and (await header.json())["field"] == "roster.header[1]"
    dry = await server.request("POST", path, data=ROSTER, headers=CSV, params={"dry_run": "true"})
    assert dry.status == 200 and (await dry.json())["dry_run"] is True
    flag = await server.request("POST", path, data=ROSTER, headers=CSV, params={"accept_valid": "maybe"})
    assert flag.status == 400


async def test_put_refuses_a_programme_whose_templates_do_not_render(
    database_url: str, tmp_path: Path
) -> None:
    inactivity = tmp_path / "pilot-templates" / "en" / "inactivity"
    inactivity.mkdir(parents=True)
    (inactivity / "body.txt").write_text("Hello {{ first_nam }},")
    definition = {**minimal_definition(), "notifications": {"templates": "pilot-templates"}}
    async with running_lrs(database_url, programmes_dir=str(tmp_path)) as server:
        bad = await server.request("PUT", "/admin/programmes/pilot", json=definition)
        body = await bad.json()
        assert (bad.status, body["field"]) == (400, "notifications.templates")
        assert body["message"].endswith("template en/inactivity/body.txt: 'first_nam' is undefined")
        (inactivity / "body.txt").write_text("Hello {{ first_name }},")
        fixed = await server.request("PUT", "/admin/programmes/pilot", json=definition)
        assert fixed.status == 201
