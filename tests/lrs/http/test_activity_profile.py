"""Activity Profile resource (/xapi/activities/profile) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.lrs_server import RunningLrs, running_lrs

PATH = "/xapi/activities/profile"
ACTIVITY = "https://cohort-lrs.example/modules/agile"
CREATE = {"If-None-Match": "*"}


@pytest.fixture
async def sqlite_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(sqlite_url) as server:
        yield server


def profile(profile_id: str = "syllabus", activity: str = ACTIVITY) -> dict[str, str]:
    return {"activityId": activity, "profileId": profile_id}


async def test_put_get_merge_list_delete(lrs: RunningLrs) -> None:
    put = await lrs.request("PUT", PATH, params=profile(), json={"weeks": 6}, headers=CREATE)
    assert put.status == 204, await put.text()
    merged = await lrs.request("POST", PATH, params=profile(), json={"lead": "Ana"})
    assert merged.status == 204, await merged.text()
    got = await lrs.request("GET", PATH, params=profile())
    assert await got.json() == {"weeks": 6, "lead": "Ana"}
    assert got.headers["ETag"].startswith('"') and len(got.headers["ETag"]) == 42

    await lrs.request(
        "PUT",
        PATH,
        params=profile("notes"),
        data=b"# Notes",
        headers={**CREATE, "Content-Type": "text/markdown"},
    )
    await lrs.request("PUT", PATH, params=profile("elsewhere", ACTIVITY + "/2"), json={}, headers=CREATE)
    listing = await lrs.request("GET", PATH, params={"activityId": ACTIVITY})
    assert sorted(await listing.json()) == ["notes", "syllabus"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert (
        await (await lrs.request("GET", PATH, params={"activityId": ACTIVITY, "since": later})).json() == []
    )

    assert (await lrs.request("DELETE", PATH, params=profile())).status == 204
    assert (await lrs.request("GET", PATH, params=profile())).status == 404
    notes = await lrs.request("GET", PATH, params=profile("notes"))
    assert (await notes.read(), notes.headers["Content-Type"]) == (b"# Notes", "text/markdown")


async def test_parameters_are_validated(sqlite_lrs: RunningLrs) -> None:
    cases: list[tuple[str, dict[str, str], str]] = [
        ("PUT", {"profileId": "p"}, "activityId"),
        ("POST", {"activityId": ACTIVITY}, "profileId"),
        ("DELETE", {"activityId": ACTIVITY}, "profileId"),  # no multiple delete for profiles
        ("GET", {"profileId": "p"}, "activityId"),
        ("GET", {**profile(), "registration": "6e3b2b43-24cc-4a79-9a0a-1e5d1a1b3f3a"}, "registration"),
        ("GET", {**profile(), "agent": '{"mbox": "mailto:a@b.example"}'}, "agent"),
        ("GET", {"activityId": ACTIVITY, "since": "not a timestamp"}, "since"),
    ]
    for method, params, field in cases:
        response = await sqlite_lrs.request(method, PATH, params=params, json={}, headers=CREATE)
        assert response.status == 400, (method, params)
        assert field in (await response.json())["message"], (method, params)


async def test_scopes(sqlite_lrs: RunningLrs) -> None:
    state_only = await sqlite_lrs.credential("state")
    response = await sqlite_lrs.request("GET", PATH, params=profile(), headers=state_only)
    assert response.status == 403
    profile_scope = await sqlite_lrs.credential("profile")
    put = await sqlite_lrs.request(
        "PUT", PATH, params=profile(), json={}, headers={**profile_scope, **CREATE}
    )
    assert put.status == 204
