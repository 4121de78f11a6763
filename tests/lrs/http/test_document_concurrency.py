"""ETags and If-Match / If-None-Match on the document resources (1.0.3 Communication 3.1,
IEEE 9274.1.1 4.1.4), and concurrent writers on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator

import pytest

from tests.lrs_server import RunningLrs, running_lrs

STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"
ACTIVITY = "https://cohort-lrs.example/modules/agile"
AGENT = json.dumps({"mbox": "mailto:learner@council.gov.uk"})
PARAMS = {
    STATE: {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s"},
    ACTIVITY_PROFILE: {"activityId": ACTIVITY, "profileId": "p"},
    AGENT_PROFILE: {"agent": AGENT, "profileId": "p"},
}


@pytest.fixture
async def sqlite_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(sqlite_url) as server:
        yield server


async def _etag(lrs: RunningLrs, path: str) -> str:
    response = await lrs.request("GET", path, params=PARAMS[path])
    assert response.status == 200, await response.text()
    return response.headers["ETag"]


async def _body(lrs: RunningLrs, path: str) -> bytes:
    return await (await lrs.request("GET", path, params=PARAMS[path])).read()


@pytest.mark.parametrize("path", [STATE, ACTIVITY_PROFILE, AGENT_PROFILE])
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
async def test_if_match_and_if_none_match(sqlite_lrs: RunningLrs, path: str, version: str) -> None:
    lrs, params = sqlite_lrs, PARAMS[path]

    async def send(method: str, body: object = None, **headers: str) -> int:
        response = await lrs.request(method, path, params=params, json=body, headers=headers, version=version)
        return response.status

    assert await send("PUT", {"v": 1}, **{"If-Match": '"' + "0" * 40 + '"'}) == 412  # nothing to match
    assert await send("PUT", {"v": 1}, **{"If-None-Match": "*"}) == 204
    etag = await _etag(lrs, path)
    assert etag == '"' + hashlib.sha1(b'{"v": 1}').hexdigest() + '"'
    assert await send("PUT", {"v": 2}, **{"If-None-Match": "*"}) == 412
    assert await send("PUT", {"v": 2}, **{"If-None-Match": etag}) == 412
    assert await send("PUT", {"v": 2}, **{"If-Match": '"1111"'}) == 412
    assert await send("PUT", {"v": 2}, **{"If-Match": "W/" + etag}) == 412  # If-Match compares strongly
    assert await send("POST", {"w": 1}, **{"If-Match": '"1111"'}) == 412
    assert await send("DELETE", **{"If-Match": '"1111"'}) == 412
    assert await _body(lrs, path) == b'{"v": 1}'
    assert await send("PUT", {"v": 2}, **{"If-Match": f'"other", {etag}'}) == 204
    assert await send("POST", {"w": 1}, **{"If-Match": await _etag(lrs, path)}) == 204
    assert json.loads(await _body(lrs, path)) == {"v": 2, "w": 1}
    assert await send("DELETE", **{"If-Match": "*"}) == 204
    assert (await lrs.request("GET", path, params=params)).status == 404


@pytest.mark.parametrize("path", [STATE, ACTIVITY_PROFILE, AGENT_PROFILE])
async def test_put_without_headers_over_an_existing_document(sqlite_lrs: RunningLrs, path: str) -> None:
    """1.0.3: 409 for the profile resources only (the State Resource is exempt); 2.0.0: 409 for all."""
    lrs, params = sqlite_lrs, PARAMS[path]
    created = await lrs.request("PUT", path, params=params, json={"v": 1}, version="2.0.0")
    assert created.status == 204
    conflict = await lrs.request("PUT", path, params=params, json={"v": 2}, version="2.0.0")
    assert conflict.status == 409
    assert "If-Match" in (await conflict.json())["message"]
    old = await lrs.request("PUT", path, params=params, json={"v": 3}, version="1.0.3")
    assert old.status == (204 if path == STATE else 409)
    assert json.loads(await _body(lrs, path)) == {"v": 3 if path == STATE else 1}
    # Merging and deleting never need the headers.
    assert (await lrs.request("POST", path, params=params, json={"w": 1}, version="2.0.0")).status == 204
    assert (await lrs.request("DELETE", path, params=params, version="2.0.0")).status == 204


async def test_profile_put_without_headers_is_a_400_in_1_0_3(sqlite_lrs: RunningLrs) -> None:
    """1.0.3 Communication 3.1: a client PUTting a profile MUST send If-Match or If-None-Match."""
    for path in (ACTIVITY_PROFILE, AGENT_PROFILE):
        response = await sqlite_lrs.request("PUT", path, params=PARAMS[path], json={"v": 1}, version="1.0.3")
        assert response.status == 400
        assert (await sqlite_lrs.request("GET", path, params=PARAMS[path])).status == 404
    state = await sqlite_lrs.request("PUT", STATE, params=PARAMS[STATE], json={"v": 1}, version="1.0.3")
    assert state.status == 204


async def test_concurrent_merges_all_land(lrs: RunningLrs) -> None:
    async def merge(index: int) -> int:
        response = await lrs.request("POST", STATE, params=PARAMS[STATE], json={f"key{index}": index})
        return response.status

    statuses = await asyncio.gather(*(merge(index) for index in range(12)))
    assert statuses == [204] * 12
    merged = json.loads(await _body(lrs, STATE))
    assert merged == {f"key{index}": index for index in range(12)}


async def test_concurrent_conditional_creates_have_one_winner(lrs: RunningLrs) -> None:
    async def create(index: int) -> int:
        response = await lrs.request(
            "PUT",
            AGENT_PROFILE,
            params=PARAMS[AGENT_PROFILE],
            json={"writer": index},
            headers={"If-None-Match": "*"},
        )
        return response.status

    statuses = await asyncio.gather(*(create(index) for index in range(8)))
    assert sorted(statuses) == [204] + [412] * 7
    winner = statuses.index(204)
    assert json.loads(await _body(lrs, AGENT_PROFILE)) == {"writer": winner}
