"""Activities resource (/xapi/activities) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.lrs_server import RunningLrs, running_lrs

PATH = "/xapi/activities"
ACTIVITY = "https://cohort-lrs.example/modules/agile"


@pytest.fixture
async def sqlite_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(sqlite_url) as server:
        yield server


def statement(name: dict[str, str]) -> dict[str, object]:
    return {
        "actor": {"mbox": "mailto:learner@council.gov.uk"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
        "object": {
            "id": ACTIVITY,
            "definition": {"name": name, "type": "http://adlnet.gov/expapi/activities/module"},
        },
    }


async def test_canonical_definition_merged_from_statements(lrs: RunningLrs) -> None:
    for name in ({"en-GB": "Agile delivery"}, {"cy-GB": "Cyflwyno ystwyth"}):
        response = await lrs.request("POST", "/xapi/statements", json=statement(name))
        assert response.status == 200, await response.text()
    got = await lrs.request("GET", PATH, params={"activityId": ACTIVITY})
    assert got.status == 200
    assert await got.json() == {
        "objectType": "Activity",
        "id": ACTIVITY,
        "definition": {
            "name": {"en-GB": "Agile delivery", "cy-GB": "Cyflwyno ystwyth"},
            "type": "http://adlnet.gov/expapi/activities/module",
        },
    }


async def test_unknown_activity_is_still_an_activity(lrs: RunningLrs) -> None:
    got = await lrs.request("GET", PATH, params={"activityId": ACTIVITY + "/never-seen"})
    assert got.status == 200
    assert await got.json() == {"objectType": "Activity", "id": ACTIVITY + "/never-seen"}


async def test_parameters_and_scope(sqlite_lrs: RunningLrs) -> None:
    for params in ({}, {"activityId": "not an IRI"}, {"activityId": ACTIVITY, "agent": "{}"}):
        assert (await sqlite_lrs.request("GET", PATH, params=params)).status == 400, params
    state_only = await sqlite_lrs.credential("state")
    response = await sqlite_lrs.request("GET", PATH, params={"activityId": ACTIVITY}, headers=state_only)
    assert response.status == 403
    head = await sqlite_lrs.request("HEAD", PATH, params={"activityId": ACTIVITY})
    assert (head.status, await head.read()) == (200, b"")
