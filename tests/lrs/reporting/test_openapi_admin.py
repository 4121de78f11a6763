"""Every operation of /api/openapi.json has a real schema, and a live call of each (success and
error answers) validates against it; an operation this test does not call fails the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from jsonschema import Draft202012Validator

from tests.lrs.attendance.server import attendance_lrs
from tests.lrs.attendance.support import COHORT_ID, FACILITATOR, PROGRAMME_ID, SteppingClock
from tests.lrs_server import RunningLrs

CSV = {"Content-Type": "text/csv"}
REGISTER = "email,status,minutes\nada@council.gov.uk,present,120\n"


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningLrs]:
    async with attendance_lrs(database_url, tmp_path, SteppingClock()) as running:
        yield running


class Checker:
    def __init__(self, server: RunningLrs, document: dict[str, Any]) -> None:
        self.server, self.document = server, document
        self.called: set[tuple[str, str]] = set()

    async def call(self, method: str, template: str, path: str, status: int, **kwargs: Any) -> Any:
        response = await self.server.request(method, path, **kwargs)
        assert response.status == status, (method, path, await response.text())
        self.called.add((template, method.lower()))
        return await self.validate(template, method, response)

    async def validate(self, template: str, method: str, response: ClientResponse) -> Any:
        operation = self.document["paths"][template][method.lower()]
        answer = operation["responses"][str(response.status)]
        schema = answer["content"]["application/json"]["schema"]
        body = await response.json()
        validator = Draft202012Validator({**schema, "components": self.document["components"]})
        errors = [
            f"{'/'.join(map(str, error.path))}: {error.message}" for error in validator.iter_errors(body)
        ]
        assert not errors, (method, template, errors)
        return body


async def test_every_operation_answers_as_documented(server: RunningLrs) -> None:
    document = await (await server.request("GET", "/api/openapi.json")).json()
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert schema != {"type": "object"}, f"{name} is a generic object"
    check = Checker(server, document)
    programme, cohort = f"/admin/programmes/{PROGRAMME_ID}", f"/admin/cohorts/{COHORT_ID}"

    listed = await check.call("GET", "/admin/programmes", "/admin/programmes", 200)
    assert [item["id"] for item in listed["programmes"]] == [PROGRAMME_ID]
    definition = await check.call("GET", "/admin/programmes/{programme}", programme, 200)
    await check.call("GET", "/admin/programmes/{programme}", "/admin/programmes/nope", 404)
    saved = await check.call("PUT", "/admin/programmes/{programme}", programme, 200, json=definition)
    assert saved == {"id": PROGRAMME_ID, "version": 1, "changed": False}
    bad = {**definition, "programme": {**definition["programme"], "id": "other"}}
    await check.call("PUT", "/admin/programmes/{programme}", programme, 400, json=bad)

    roster = await check.call("GET", "/admin/cohorts/{cohort}", cohort, 200)
    assert roster["roster"] and roster["sessions"]
    await check.call("GET", "/admin/cohorts/{cohort}", "/admin/cohorts/nope", 404)
    rejected = "name,work email,council,cohort\nZed,not-an-email,nowhere-dc,att-2025\n"
    template = "/admin/cohorts/{cohort}/roster"
    await check.call("POST", template, f"{cohort}/roster", 422, data=rejected.encode(), headers=CSV)
    await check.call("POST", template, f"{cohort}/roster", 415, data=b"{}")
    await check.call("GET", "/admin/cohorts/{cohort}/confidence", f"{cohort}/confidence", 200)

    register = "/admin/sessions/{session}/register"
    params = {"facilitator": FACILITATOR}
    url = "/admin/sessions/att-room/register"
    await check.call("POST", register, url, 200, params=params, data=REGISTER.encode(), headers=CSV)
    wrong = REGISTER + "zed@elsewhere.gov.uk,present,\n"
    await check.call("POST", register, url, 422, params=params, data=wrong.encode(), headers=CSV)
    await check.call("POST", register, url, 400, data=REGISTER.encode(), headers=CSV)

    learner = roster["roster"][0]["learner_id"]
    people = "/admin/people/{person}"
    receipt = await check.call("DELETE", people, f"/admin/people/{learner}", 200, params={"dry_run": "true"})
    assert receipt["dry_run"] is True
    await check.call("DELETE", people, "/admin/people/not-a-number", 400)

    await check.call("GET", "/admin/notifications", "/admin/notifications", 200, params={"limit": "5"})
    await check.call("GET", "/admin/notifications", "/admin/notifications", 400, params={"state": "x"})
    audit = await check.call("GET", "/admin/audit", "/admin/audit", 200)
    assert audit["entries"]
    await check.call("GET", "/admin/audit", "/admin/audit", 400, params={"limit": "0"})

    completions = "/api/v1/completions"
    await check.call("GET", completions, completions, 200, params={"limit": "2"})
    await check.call("GET", completions, completions, 400, params={"colour": "red"})

    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert documented - check.called == set()
