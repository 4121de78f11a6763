"""xAPI 1.0.3 alternate request syntax (Communication 1.3): accepted for 1.0.3 clients, refused for 2.0.

Mirrors the conformance suite's H.Communication1.3-AlternateRequestSyntax tests (1.0.3 and 2.0)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.lrs.http.test_statements_basic import statement
from tests.lrs_server import RunningLrs, basic_auth, running_lrs


@pytest.fixture
async def lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    """SQLite only: this behaviour sits in front of storage, so a second database adds time, not cover."""
    async with running_lrs(sqlite_url) as server:
        yield server


def form_for(lrs: RunningLrs, version: str = "1.0.3", **fields: str) -> dict[str, str]:
    """Every header in the form, as a client without custom-header support sends it."""
    return {
        **basic_auth(lrs.key, lrs.secret),
        "X-Experience-API-Version": version,
        "Content-Type": "application/json",
        **fields,
    }


async def alternate(
    lrs: RunningLrs, method: str, form: dict[str, str] | str, headers: dict[str, str] | None = None
) -> aiohttp.ClientResponse:
    """A bare POST: no headers of its own beyond what the form encoding sets."""
    return await lrs.session.post(
        lrs.server.make_url("/xapi/statements").with_query(method=method), data=form, headers=headers
    )


async def stored(lrs: RunningLrs, statement_id: str) -> Any:
    response = await lrs.request("GET", "/xapi/statements", params={"statementId": statement_id})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_put_as_post_with_every_header_in_the_form(lrs: RunningLrs) -> None:
    statement_id = str(uuid.uuid4())
    form = form_for(lrs, statementId=statement_id, content=json.dumps(statement()))
    response = await alternate(lrs, "PUT", form)
    assert response.status == 204, await response.text()
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert (await stored(lrs, statement_id))["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"


async def test_form_content_length_is_not_trusted(lrs: RunningLrs) -> None:
    statement_id = str(uuid.uuid4())
    form = form_for(lrs, statementId=statement_id, content=json.dumps(statement()))
    response = await alternate(lrs, "PUT", {**form, "Content-Length": str(10**12)})
    assert response.status == 204, await response.text()
    # No content at all: an empty state document, whatever length the form claims.
    url = lrs.server.make_url("/xapi/activities/state").with_query(method="PUT")
    state = {"activityId": "https://cohort-lrs.example/a", "agent": json.dumps(statement()["actor"])}
    empty = await lrs.session.post(
        url, data=form_for(lrs, stateId="empty", **state, **{"Content-Length": str(10**12)})
    )
    assert empty.status == 204, await empty.text()


async def test_get_as_post_with_real_headers(lrs: RunningLrs) -> None:
    await lrs.request("POST", "/xapi/statements", json=[statement(), statement()])
    response = await alternate(lrs, "GET", {"limit": "1"}, headers=lrs.headers())
    assert response.status == 200, await response.text()
    body = await response.json()
    assert len(body["statements"]) == 1
    assert body["more"]
    assert "X-Experience-API-Consistent-Through" in response.headers


async def test_post_as_post_returns_ids(lrs: RunningLrs) -> None:
    response = await alternate(lrs, "POST", form_for(lrs, content=json.dumps([statement()])))
    assert response.status == 200, await response.text()
    [statement_id] = await response.json()
    assert (await stored(lrs, statement_id))["id"] == statement_id


async def test_form_fields_are_headers_so_a_bad_version_is_refused(lrs: RunningLrs) -> None:
    form = form_for(lrs, "0.8", statementId=str(uuid.uuid4()), content=json.dumps(statement()))
    response = await alternate(lrs, "PUT", form)
    assert response.status == 400
    assert "X-Experience-API-Version" in (await response.json())["message"]


async def test_form_credentials_are_checked(lrs: RunningLrs) -> None:
    form = form_for(lrs, statementId=str(uuid.uuid4()), content=json.dumps(statement()))
    form["Authorization"] = basic_auth(lrs.key, "wrong secret")["Authorization"]
    assert (await alternate(lrs, "PUT", form)).status == 401
    del form["Authorization"]
    assert (await alternate(lrs, "PUT", form)).status == 401


async def test_refused_for_2_0_clients(lrs: RunningLrs) -> None:
    form = form_for(lrs, "2.0.0", statementId=str(uuid.uuid4()), content=json.dumps(statement()))
    response = await alternate(lrs, "PUT", form)
    assert response.status == 400
    assert "2.0" in (await response.json())["message"]
    # The version may also arrive as a real header.
    response = await alternate(lrs, "GET", {}, headers=lrs.headers("2.0.0"))
    assert response.status == 400


async def test_rule_breakers_get_400(lrs: RunningLrs) -> None:
    statement_id = str(uuid.uuid4())
    full = form_for(lrs, statementId=statement_id, content=json.dumps(statement()))
    url = lrs.server.make_url("/xapi/statements")
    not_post = await lrs.session.put(url.with_query(method="POST"), data=full)
    extra_query = await lrs.session.post(url.with_query(method="PUT", statementId=statement_id), data=full)
    not_form = await lrs.session.post(
        url.with_query(method="PUT"), data=json.dumps(full), headers={"Content-Type": "application/json"}
    )
    # A JSON body labelled as a form: no `content`, no statementId, garbage field names.
    mislabelled = await alternate(lrs, "PUT", json.dumps(full), headers={**lrs.headers()})
    unknown_method = await alternate(lrs, "PATCH", full)
    no_content = await alternate(lrs, "PUT", form_for(lrs, statementId=str(uuid.uuid4())))
    unknown_parameter = await alternate(lrs, "PUT", {**full, "colour": "blue"})
    for response in (not_post, extra_query, not_form, unknown_method, no_content, unknown_parameter):
        assert response.status == 400, (response.url, await response.text())
    assert mislabelled.status in (400, 401)
    assert (await lrs.request("GET", "/xapi/statements", params={"statementId": statement_id})).status == 404


async def test_repeated_field_is_refused(lrs: RunningLrs) -> None:
    body = "&".join(
        f"{name}={value}"
        for name, value in [("limit", "1"), ("limit", "2"), ("X-Experience-API-Version", "1.0.3")]
    )
    response = await alternate(
        lrs,
        "GET",
        body,
        headers={**basic_auth(lrs.key, lrs.secret), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 400
    assert (await response.json())["field"] == "limit"


async def test_method_without_a_route_is_405(lrs: RunningLrs) -> None:
    response = await alternate(lrs, "DELETE", form_for(lrs))
    assert response.status == 405


async def test_cross_origin_form_post_needs_no_preflight(lrs: RunningLrs) -> None:
    # The point of the syntax: a "simple" cross-origin request (form POST, no custom headers).
    form = form_for(lrs, statementId=str(uuid.uuid4()), content=json.dumps(statement()))
    response = await alternate(lrs, "PUT", form, headers={"Origin": "https://content.example"})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://content.example"


PROFILE = {
    "activityId": "https://cohort-lrs.example/modules/agile",
    "profileId": "facilitator-notes",
}


async def alternate_document(lrs: RunningLrs, method: str, **fields: str) -> aiohttp.ClientResponse:
    url = lrs.server.make_url("/xapi/activities/profile").with_query(method=method)
    return await lrs.session.post(url, data=form_for(lrs, **PROFILE, **fields))


async def test_document_preconditions_travel_in_the_form(lrs: RunningLrs) -> None:
    created = await alternate_document(lrs, "PUT", content='{"v": 1}', **{"If-None-Match": "*"})
    assert created.status == 204, await created.text()
    again = await alternate_document(lrs, "PUT", content='{"v": 2}', **{"If-None-Match": "*"})
    assert again.status == 412
    fetched = await alternate_document(lrs, "GET")
    assert fetched.status == 200
    assert await fetched.json() == {"v": 1}
    etag = fetched.headers["ETag"]
    stale = await alternate_document(lrs, "PUT", content='{"v": 3}', **{"If-Match": '"0000"'})
    assert stale.status == 412
    current = await alternate_document(lrs, "PUT", content='{"v": 4}', **{"If-Match": etag})
    assert current.status == 204, await current.text()
    response = await lrs.request("GET", "/xapi/activities/profile", params=PROFILE)
    assert await response.json() == {"v": 4}
    assert response.headers["Content-Type"].startswith("application/json")


async def test_document_delete_as_post(lrs: RunningLrs) -> None:
    await lrs.request(
        "PUT", "/xapi/activities/profile", params=PROFILE, json={"v": 1}, headers={"If-None-Match": "*"}
    )
    deleted = await alternate_document(lrs, "DELETE")
    assert deleted.status == 204, await deleted.text()
    response = await lrs.request("GET", "/xapi/activities/profile", params=PROFILE)
    assert response.status == 404
