"""Agent Profile resource (/xapi/agents/profile) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.lrs_server import RunningLrs, running_lrs

PATH = "/xapi/agents/profile"
CREATE = {"If-None-Match": "*"}
LEARNER = {
    "objectType": "Agent",
    "name": "Learner",
    "account": {"homePage": "https://idp.example", "name": "L1"},
}
TEAM = {"objectType": "Group", "name": "Cohort 3", "mbox": "mailto:cohort3@council.gov.uk"}


@pytest.fixture
async def sqlite_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(sqlite_url) as server:
        yield server


def profile(profile_id: str = "preferences", agent: object = LEARNER) -> dict[str, str]:
    return {"agent": json.dumps(agent), "profileId": profile_id}


async def test_put_get_merge_list_delete(lrs: RunningLrs) -> None:
    put = await lrs.request("PUT", PATH, params=profile(), json={"theme": "dark"}, headers=CREATE)
    assert put.status == 204, await put.text()
    await lrs.request("POST", PATH, params=profile(), json={"language": "cy-GB"})
    renamed = {**LEARNER, "name": "Another Name"}
    got = await lrs.request("GET", PATH, params=profile(agent=renamed))
    assert await got.json() == {"theme": "dark", "language": "cy-GB"}

    await lrs.request("PUT", PATH, params=profile("avatar"), data=b"\x00\x01", headers=CREATE)
    listing = await lrs.request("GET", PATH, params={"agent": json.dumps(LEARNER)})
    assert sorted(await listing.json()) == ["avatar", "preferences"]
    avatar = await lrs.request("GET", PATH, params=profile("avatar"))
    assert await avatar.read() == b"\x00\x01"

    assert (await lrs.request("DELETE", PATH, params=profile())).status == 204
    assert (await lrs.request("GET", PATH, params=profile())).status == 404


async def test_identified_group_has_its_own_profiles(lrs: RunningLrs) -> None:
    put = await lrs.request(
        "PUT", PATH, params=profile(agent=TEAM), json={"channel": "teams"}, headers=CREATE
    )
    assert put.status == 204, await put.text()
    assert await (await lrs.request("GET", PATH, params={"agent": json.dumps(TEAM)})).json() == [
        "preferences"
    ]
    assert (await lrs.request("GET", PATH, params=profile())).status == 404


async def test_parameters_are_validated(sqlite_lrs: RunningLrs) -> None:
    anonymous_group = {"objectType": "Group", "member": [{"mbox": "mailto:a@council.gov.uk"}]}
    cases: list[tuple[str, dict[str, str], str]] = [
        ("PUT", {"profileId": "p"}, "agent"),
        ("POST", {"agent": json.dumps(LEARNER)}, "profileId"),
        ("DELETE", {"agent": json.dumps(LEARNER)}, "profileId"),
        ("GET", profile(agent=True), "agent"),
        ("GET", profile(agent={"mbox": "not-an-email"}), "agent.mbox"),
        ("GET", profile(agent=anonymous_group), "agent"),
        ("GET", {**profile(), "activityId": "https://x.example"}, "activityId"),
    ]
    for method, params, field in cases:
        response = await sqlite_lrs.request(method, PATH, params=params, json={}, headers=CREATE)
        assert response.status == 400, (method, params)
        assert field in (await response.json())["message"], (method, params)
