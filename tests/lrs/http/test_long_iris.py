"""An IRI longer than the store's columns (2,000 characters) is refused with a 400 naming the field,
on both databases alike (PostgreSQL answered 500 and SQLite stored it), and nothing is stored; one of
exactly 2,000 characters is stored and found again."""

from __future__ import annotations

import uuid
from typing import Any

from tests.lrs_server import RunningLrs

XAPI = {"X-Experience-API-Version": "2.0.0"}


def iri(length: int) -> str:
    base = "https://courses.example.gov.uk/"
    return base + "p" * (length - len(base))


def statement(verb: str, activity: str, grouping: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:rhys@powys.gov.example"},
        "verb": {"id": verb},
        "object": {"id": activity},
        "context": {"contextActivities": {"grouping": [{"id": grouping}]}},
    }


async def test_over_long_iris_are_a_400_naming_the_field(lrs: RunningLrs) -> None:
    ok = "http://adlnet.gov/expapi/verbs/experienced"
    cases = {
        "verb.id": statement(iri(2001), "https://courses.example.gov.uk/a", "https://x.example/g"),
        "object.id": statement(ok, iri(2500), "https://x.example/g"),
        "context.contextActivities.grouping[0].id": statement(ok, "https://x.example/a", iri(4000)),
    }
    for field, body in cases.items():
        response = await lrs.request("POST", "/xapi/statements", json=[body], headers=XAPI)
        message = (await response.json())["message"]
        assert response.status == 400 and field in message and "at most 2000 characters" in message
    stored = await lrs.request("GET", "/xapi/statements", headers=XAPI)
    assert (await stored.json())["statements"] == []


async def test_an_iri_of_exactly_two_thousand_characters_is_stored(lrs: RunningLrs) -> None:
    longest = iri(2000)
    body = statement(longest, longest, longest)
    posted = await lrs.request("POST", "/xapi/statements", json=body, headers=XAPI)
    assert posted.status == 200
    found = await lrs.request("GET", "/xapi/statements", params={"activity": longest}, headers=XAPI)
    assert [item["object"]["id"] for item in (await found.json())["statements"]] == [longest]


async def test_a_document_with_an_over_long_activity_id_is_a_400(lrs: RunningLrs) -> None:
    params = {"activityId": iri(2001), "agent": '{"mbox":"mailto:rhys@powys.gov.example"}', "stateId": "s"}
    response = await lrs.request("PUT", "/xapi/activities/state", params=params, json={"a": 1}, headers=XAPI)
    assert response.status == 400 and "activityId" in (await response.json())["message"]
