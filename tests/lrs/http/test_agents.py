"""Agents resource (/xapi/agents): Person objects, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping

import pytest

from tests.lrs_server import RunningLrs, running_lrs

PATH = "/xapi/agents"
ACCOUNT = {"homePage": "https://idp.council.gov.uk", "name": "ana.lopez"}


@pytest.fixture
async def sqlite_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(sqlite_url) as server:
        yield server


def statement(actor: Mapping[str, object]) -> dict[str, object]:
    return {
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
        "object": {"id": "https://cohort-lrs.example/sessions/1"},
    }


async def test_person_combines_the_names_seen(lrs: RunningLrs) -> None:
    for name in ("Ana López", "Ana Lopez", "Ana López"):
        actor = {"objectType": "Agent", "name": name, "account": ACCOUNT}
        response = await lrs.request("POST", "/xapi/statements", json=statement(actor))
        assert response.status == 200, await response.text()
    got = await lrs.request("GET", PATH, params={"agent": json.dumps({"account": ACCOUNT})})
    assert got.status == 200
    assert await got.json() == {
        "objectType": "Person",
        "name": ["Ana López", "Ana Lopez"],
        "account": [ACCOUNT],
    }


async def test_unknown_agent_is_a_person_with_its_own_identifier(lrs: RunningLrs) -> None:
    agent = {"name": "New Starter", "mbox": "mailto:new.starter@council.gov.uk"}
    got = await lrs.request("GET", PATH, params={"agent": json.dumps(agent)})
    assert got.status == 200
    assert await got.json() == {
        "objectType": "Person",
        "name": ["New Starter"],
        "mbox": ["mailto:new.starter@council.gov.uk"],
    }


async def test_parameters_and_scope(sqlite_lrs: RunningLrs) -> None:
    bad = [
        {},
        {"agent": "not json"},
        {"agent": json.dumps({"objectType": "Agent", "name": "no identifier"})},
        {"agent": json.dumps({"mbox": "mailto:a@council.gov.uk"}), "profileId": "x"},
    ]
    for params in bad:
        assert (await sqlite_lrs.request("GET", PATH, params=params)).status == 400, params
    state_only = await sqlite_lrs.credential("state")
    agent = json.dumps({"mbox": "mailto:a@council.gov.uk"})
    assert (await sqlite_lrs.request("GET", PATH, params={"agent": agent}, headers=state_only)).status == 403
