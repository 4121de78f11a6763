"""/api/openapi.json is OpenAPI 3.1, lists every /api/v1/ and /admin/ route of the app's router, and
live responses validate against its schemas."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from lrs.progress import verbs
from tests.lrs.progress.cohort import BASE, statement
from tests.lrs.reporting.support import PATH, projecting
from tests.lrs_server import RunningLrs


def validate(document: dict[str, Any], path: str, method: str, status: str, body: object) -> None:
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [error.message for error in validator.iter_errors(body)]
    assert not errors, errors


async def test_the_document_covers_every_route_and_matches_live_responses(lrs: RunningLrs) -> None:
    response = await lrs.request("GET", "/api/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"] == "3.1.0"
    Draft202012Validator.check_schema(document["components"]["schemas"]["CompletionRecord"])
    for route in lrs.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = str(info.get("path") or info.get("formatter") or "")
        if route.method in ("HEAD", "OPTIONS") or not path.startswith(("/api/v1/", "/admin/")):
            continue
        if path.startswith("/admin/outbox"):  # staff HTML pages behind sign-in, not the API
            continue
        assert route.method.lower() in document["paths"].get(path, {}), (route.method, path)

    cohort = await projecting(lrs.database, ["zoe@north.gov.uk"])
    await cohort.post([statement("zoe@north.gov.uk", verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])
    page = await (await lrs.request("GET", PATH, params={"limit": "4"})).json()
    assert page["records"] and page["more"]
    validate(document, PATH, "get", "200", page)
    bad = await lrs.request("GET", PATH, params={"since": "soon"})
    assert bad.status == 400
    validate(document, PATH, "get", "400", await bad.json())
    programmes = await (await lrs.request("GET", "/admin/programmes")).json()
    validate(document, "/admin/programmes", "get", "200", programmes)


async def test_a_record_that_breaks_the_schema_is_caught(lrs: RunningLrs) -> None:
    document = await (await lrs.request("GET", "/api/openapi.json")).json()
    broken = {"records": [{"record_id": 1}], "more": False, "cursor": None, "high_watermark": "c1"}
    schema = document["paths"][PATH]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    assert list(validator.iter_errors(broken))
