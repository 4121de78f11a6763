"""Statement resource basics on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from tests.lrs_server import RunningLrs


def statement(actor: str = "mailto:learner@council.gov.uk", **extra: object) -> dict[str, object]:
    return {
        "actor": {"objectType": "Agent", "name": "Learner", "mbox": actor},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
        "object": {
            "id": "https://cohort-lrs.example/modules/agile",
            "definition": {"name": {"en-GB": "Agile"}},
        },
        **extra,
    }


async def test_post_then_get_by_id(lrs: RunningLrs) -> None:
    response = await lrs.request("POST", "/xapi/statements", json=statement())
    assert response.status == 200, await response.text()
    [statement_id] = await response.json()
    response = await lrs.request("GET", "/xapi/statements", params={"statementId": statement_id})
    assert response.status == 200
    body = await response.json()
    assert body["actor"]["mbox"] == "mailto:learner@council.gov.uk"
    assert body["id"] == statement_id
    assert "Last-Modified" in response.headers
    assert "X-Experience-API-Consistent-Through" in response.headers


async def test_put_conflict_and_identical_repost(lrs: RunningLrs) -> None:
    statement_id = str(uuid.uuid4())
    first = await lrs.request(
        "PUT", "/xapi/statements", params={"statementId": statement_id}, json=statement()
    )
    assert first.status == 204, await first.text()
    again = await lrs.request(
        "PUT", "/xapi/statements", params={"statementId": statement_id}, json=statement()
    )
    assert again.status == 204
    other = await lrs.request(
        "PUT",
        "/xapi/statements",
        params={"statementId": statement_id},
        json=statement("mailto:other@council.gov.uk"),
    )
    assert other.status == 409


async def test_failed_batch_stores_nothing(lrs: RunningLrs) -> None:
    good = statement()
    bad = statement()
    bad["verb"] = {"id": "not an iri"}
    response = await lrs.request("POST", "/xapi/statements", json=[good, bad])
    assert response.status == 400
    body = await response.json()
    assert body["field"].startswith("statements[1].verb")
    listing = await (await lrs.request("GET", "/xapi/statements")).json()
    assert listing["statements"] == []


async def test_missing_auth_is_401_and_wrong_scope_403(lrs: RunningLrs) -> None:
    response = await lrs.session.get(
        lrs.server.make_url("/xapi/statements"), headers={"X-Experience-API-Version": "1.0.3"}
    )
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    read_only = await lrs.credential("statements/read")
    response = await lrs.request("POST", "/xapi/statements", json=statement(), headers=read_only)
    assert response.status == 403


async def test_duplicate_ids_in_one_batch_are_refused(lrs: RunningLrs) -> None:
    statement_id = str(uuid.uuid4())
    batch = [statement(id=statement_id), statement("mailto:other@council.gov.uk", id=statement_id)]
    response = await lrs.request("POST", "/xapi/statements", json=batch)
    assert response.status == 400
    assert (await response.json())["field"] == "statements[1].id"
    stored = await lrs.request("GET", "/xapi/statements", params={"statementId": statement_id})
    assert stored.status == 404
