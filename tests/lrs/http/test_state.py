"""State resource (/xapi/activities/state) on SQLite and PostgreSQL through the real server."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.lrs_server import RunningLrs, running_lrs

PATH = "/xapi/activities/state"
ACTIVITY = "https://cohort-lrs.example/modules/agile"
LEARNER = {"objectType": "Agent", "name": "Learner", "mbox": "mailto:learner@council.gov.uk"}
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xfe binary"


@pytest.fixture
async def sqlite_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    """For checks that never reach the database layer (parameters, scopes, HTTP details)."""
    async with running_lrs(sqlite_url) as server:
        yield server


def state(
    state_id: str = "bookmark", agent: Mapping[str, object] | None = None, **extra: str
) -> dict[str, str]:
    return {"activityId": ACTIVITY, "agent": json.dumps(agent or LEARNER), "stateId": state_id, **extra}


async def test_binary_document_round_trip_with_etag(lrs: RunningLrs) -> None:
    put = await lrs.request(
        "PUT", PATH, params=state(), data=PNG_BYTES, headers={"Content-Type": "image/png"}
    )
    assert put.status == 204, await put.text()
    got = await lrs.request("GET", PATH, params=state())
    assert got.status == 200
    assert await got.read() == PNG_BYTES
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["ETag"] == f'"{hashlib.sha1(PNG_BYTES).hexdigest()}"'
    assert parsedate_to_datetime(got.headers["Last-Modified"]) <= datetime.now(UTC)


async def test_post_merges_top_level_properties(lrs: RunningLrs) -> None:
    first = await lrs.request("POST", PATH, params=state(), json={"a": 1, "b": {"x": 1}})
    assert first.status == 204, await first.text()
    second = await lrs.request("POST", PATH, params=state(), json={"b": {"y": 2}, "c": 3})
    assert second.status == 204, await second.text()
    got = await lrs.request("GET", PATH, params=state())
    assert await got.json() == {"a": 1, "b": {"y": 2}, "c": 3}
    assert got.headers["Content-Type"].startswith("application/json")


async def test_post_merge_refused_unless_both_are_json_objects(lrs: RunningLrs) -> None:
    await lrs.request("POST", PATH, params=state("json"), json={"kept": True})
    text = await lrs.request(
        "POST", PATH, params=state("json"), data=b"plain", headers={"Content-Type": "text/plain"}
    )
    assert text.status == 400
    array = await lrs.request("POST", PATH, params=state("json"), json=[1, 2])
    assert array.status == 400
    broken = await lrs.request(
        "POST", PATH, params=state("json"), data=b'{"a": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status == 400
    assert await (await lrs.request("GET", PATH, params=state("json"))).json() == {"kept": True}

    await lrs.request("PUT", PATH, params=state("bin"), data=PNG_BYTES, headers={"Content-Type": "image/png"})
    onto_binary = await lrs.request("POST", PATH, params=state("bin"), json={"a": 1})
    assert onto_binary.status == 400
    assert await (await lrs.request("GET", PATH, params=state("bin"))).read() == PNG_BYTES


async def test_post_of_a_new_document_stores_it_as_sent(lrs: RunningLrs) -> None:
    response = await lrs.request(
        "POST", PATH, params=state("csv"), data=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}
    )
    assert response.status == 204
    got = await lrs.request("GET", PATH, params=state("csv"))
    assert (await got.read(), got.headers["Content-Type"]) == (b"a,b\n1,2\n", "text/csv")


async def test_registration_scopes_documents(lrs: RunningLrs) -> None:
    registration = str(uuid.uuid4())
    await lrs.request("PUT", PATH, params=state(registration=registration), json={"with": "registration"})
    await lrs.request("PUT", PATH, params=state(), json={"without": "registration"})
    with_reg = await lrs.request("GET", PATH, params=state(registration=registration.upper()))
    assert await with_reg.json() == {"with": "registration"}
    assert await (await lrs.request("GET", PATH, params=state())).json() == {"without": "registration"}
    other = await lrs.request("GET", PATH, params=state(registration=str(uuid.uuid4())))
    assert other.status == 404


async def test_same_person_under_other_names_shares_documents(lrs: RunningLrs) -> None:
    await lrs.request("PUT", PATH, params=state(), json={"progress": 3})
    renamed = {"name": "L. Earner", "mbox": "mailto:learner@COUNCIL.gov.uk"}
    got = await lrs.request("GET", PATH, params=state(agent=renamed))
    assert await got.json() == {"progress": 3}
    other_person = {"mbox": "mailto:someone.else@council.gov.uk"}
    assert (await lrs.request("GET", PATH, params=state(agent=other_person))).status == 404


async def test_parameters_are_validated(sqlite_lrs: RunningLrs) -> None:
    lrs = sqlite_lrs
    cases: list[tuple[str, dict[str, str], str]] = [
        ("PUT", {k: v for k, v in state().items() if k != "activityId"}, "activityId"),
        ("PUT", {k: v for k, v in state().items() if k != "agent"}, "agent"),
        ("POST", {k: v for k, v in state().items() if k != "stateId"}, "stateId"),
        ("GET", {**state(), "agent": "{not json"}, "agent"),
        ("GET", {**state(), "agent": json.dumps({"objectType": "Agent", "name": "No IFI"})}, "agent"),
        ("DELETE", {**state(), "registration": "not-a-uuid"}, "registration"),
        ("GET", {**state(), "profileId": "x"}, "profileId"),
        ("PUT", {**state(), "since": "2024-01-01T00:00:00Z"}, "since"),
        ("GET", {**state(), "activityId": "not an iri"}, "activityId"),
    ]
    for method, params, field in cases:
        response = await lrs.request(method, PATH, params=params, json={"a": 1})
        assert response.status == 400, (method, params)
        assert field in (await response.json())["message"], (method, params)


async def test_missing_document_is_404_and_delete_is_idempotent(sqlite_lrs: RunningLrs) -> None:
    lrs = sqlite_lrs
    assert (await lrs.request("GET", PATH, params=state("nothing"))).status == 404
    assert (await lrs.request("DELETE", PATH, params=state("nothing"))).status == 204


async def test_list_ids_since_and_delete_all(lrs: RunningLrs) -> None:
    for state_id in ("one", "two"):
        assert (await lrs.request("PUT", PATH, params=state(state_id), json={"id": state_id})).status == 204
    other_activity = {**state("elsewhere"), "activityId": ACTIVITY + "/other"}
    await lrs.request("PUT", PATH, params=other_activity, json={})
    scope = {k: v for k, v in state().items() if k != "stateId"}
    listing = await lrs.request("GET", PATH, params=scope)
    assert sorted(await listing.json()) == ["one", "two"]
    assert "Last-Modified" in listing.headers
    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert await (await lrs.request("GET", PATH, params={**scope, "since": future})).json() == []
    assert (await lrs.request("GET", PATH, params={**scope, "since": "yesterday"})).status == 400

    assert (await lrs.request("DELETE", PATH, params=scope)).status == 204
    assert await (await lrs.request("GET", PATH, params=scope)).json() == []
    assert (await lrs.request("GET", PATH, params=other_activity)).status == 200


async def test_since_uses_the_update_time(database_url: str) -> None:
    now = [datetime(2024, 5, 1, 9, 0, tzinfo=UTC)]
    async with running_lrs(database_url, clock=lambda: now[0]) as lrs:
        await lrs.request("PUT", PATH, params=state("early"), json={})
        now[0] += timedelta(hours=1)
        await lrs.request("PUT", PATH, params=state("late"), json={})
        scope = {k: v for k, v in state().items() if k != "stateId"}
        since = await lrs.request("GET", PATH, params={**scope, "since": "2024-05-01T09:30:00Z"})
        assert await since.json() == ["late"]
        got = await lrs.request("GET", PATH, params=state("late"))
        assert got.headers["Last-Modified"] == "Wed, 01 May 2024 10:00:00 GMT"


async def test_head_gives_headers_without_body(sqlite_lrs: RunningLrs) -> None:
    lrs = sqlite_lrs
    await lrs.request("PUT", PATH, params=state(), json={"a": 1})
    head = await lrs.request("HEAD", PATH, params=state())
    assert head.status == 200
    assert "ETag" in head.headers
    assert await head.read() == b""


async def test_scopes(sqlite_lrs: RunningLrs) -> None:
    lrs = sqlite_lrs
    profile_only = await lrs.credential("profile")
    assert (await lrs.request("GET", PATH, params=state(), headers=profile_only)).status == 403
    read_all = await lrs.credential("all/read")
    assert (await lrs.request("PUT", PATH, params=state(), json={}, headers=read_all)).status == 403
    assert (await lrs.request("GET", PATH, params=state(), headers=read_all)).status == 404
    state_scope = await lrs.credential("state")
    assert (await lrs.request("PUT", PATH, params=state(), json={}, headers=state_scope)).status == 204


async def test_documents_survive_a_restart_byte_for_byte(database_url: str) -> None:
    json_bytes = '{"b": 1,  "a": "é"}'.encode()
    async with running_lrs(database_url) as lrs:
        await lrs.request(
            "PUT", PATH, params=state("bin"), data=PNG_BYTES, headers={"Content-Type": "image/png"}
        )
        await lrs.request(
            "PUT",
            PATH,
            params=state("json"),
            data=json_bytes,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    async with running_lrs(database_url) as restarted:
        binary = await restarted.request("GET", PATH, params=state("bin"))
        assert (await binary.read(), binary.headers["Content-Type"]) == (PNG_BYTES, "image/png")
        text = await restarted.request("GET", PATH, params=state("json"))
        assert await text.read() == json_bytes
        assert text.headers["Content-Type"] == "application/json; charset=utf-8"
