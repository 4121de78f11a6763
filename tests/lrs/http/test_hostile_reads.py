"""Hostile input a reading credential can send: every one is a clear 400 naming the parameter, never a
500, on SQLite and on PostgreSQL, and nothing of it is stored."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp

from tests.lrs.http.test_statements_basic import statement
from tests.lrs_server import RunningLrs, basic_auth

ACTIVITY = "https://cohort-lrs.example/modules/agile"
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:learner@council.gov.uk"})
# Deeper than Python's recursion limit, and short enough for a URL (aiohttp takes 8 KiB request lines).
DEEP_AGENT = "[" * 1200 + "]" * 1200
# As deep as the probe: only a form body (the alternate syntax) carries it.
DEEPER_AGENT = "[" * 4000 + "]" * 4000
DEEP_OBJECT_AGENT = '{"objectType":"Agent","member":' * 3000 + "1" + "}" * 3000


async def assert_400(response: aiohttp.ClientResponse, field: str) -> None:
    text = await response.text()
    assert response.status == 400, f"{response.status} {response.url}: {text[:300]}"
    assert str(json.loads(text).get("field")).startswith(field), text


def cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


async def test_deeply_nested_agent_is_refused_everywhere(lrs: RunningLrs) -> None:
    mine = await lrs.credential("statements/read/mine state")
    for agent in (DEEP_AGENT, '{"a":' * 400 + "1" + "}" * 400):
        response = await lrs.request("GET", "/xapi/statements", params={"agent": agent}, headers=mine)
        await assert_400(response, "agent")
        for path in ("/xapi/agents", "/xapi/agents/profile"):
            await assert_400(await lrs.request("GET", path, params={"agent": agent}), "agent")
        params = {"activityId": ACTIVITY, "agent": agent, "stateId": "s"}
        await assert_400(await lrs.request("GET", "/xapi/activities/state", params=params), "agent")


async def test_deeply_nested_agent_through_the_alternate_syntax(lrs: RunningLrs) -> None:
    for agent in (DEEPER_AGENT, DEEP_OBJECT_AGENT):
        form = {**basic_auth(lrs.key, lrs.secret), "X-Experience-API-Version": "1.0.3", "agent": agent}
        url = lrs.server.make_url("/xapi/statements?method=GET")
        async with lrs.session.post(url, data=form) as response:
            await assert_400(response, "agent")


async def test_forged_and_huge_more_cursors_are_refused(lrs: RunningLrs) -> None:
    for _ in range(3):
        assert (await lrs.request("POST", "/xapi/statements", json=statement())).status == 200
    page = await (await lrs.request("GET", "/xapi/statements", params={"limit": "1"})).json()
    genuine = page["more"].partition("more=")[2]
    assert (await lrs.request("GET", page["more"])).status == 200
    forged = [
        cursor({"limit": "1", "_after": "x.y"}),
        cursor({"limit": "1", "_after": "9" * 400 + "." + "9" * 400}),
        cursor({"limit": "1", "_after": "1.2", "agent": DEEP_AGENT}),
        cursor({"limit": "1"}),
        genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"),
        "%%%",
        "x" * 8000,
    ]
    for token in forged:
        await assert_400(await lrs.request("GET", "/xapi/statements", params={"more": token}), "more")


async def test_nul_in_query_parameters_is_refused(lrs: RunningLrs) -> None:
    nul = "http://adlnet.gov/expapi/verbs/\u0000completed"
    await assert_400(await lrs.request("GET", "/xapi/statements", params={"verb": nul}), "verb")
    await assert_400(await lrs.request("GET", "/xapi/statements", params={"activity": nul}), "activity")
    params = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "book\u0000mark"}
    await assert_400(
        await lrs.request("PUT", "/xapi/activities/state", params=params, json={"a": 1}), "stateId"
    )
    await assert_400(await lrs.request("GET", "/xapi/activities/state", params=params), "stateId")
    listed = await lrs.request(
        "GET", "/xapi/activities/state", params={"activityId": ACTIVITY, "agent": AGENT}
    )
    assert listed.status == 200 and await listed.json() == []


async def test_nul_in_a_statement_is_refused_and_not_stored(lrs: RunningLrs) -> None:
    body = statement(verb={"id": "http://adlnet.gov/expapi/verbs/\u0000x"})
    response = await lrs.request("POST", "/xapi/statements", json=body)
    assert response.status == 400, await response.text()
    assert "NUL" in (await response.json())["message"]
    named = statement(actor="mailto:nul@council.gov.uk")
    named["actor"]["name"] = "Ada\u0000"  # type: ignore[index]
    assert (await lrs.request("POST", "/xapi/statements", json=named)).status == 400
    # An escaped backslash before u0000 is the text "\u0000", not a NUL: accepted.
    literal = statement(result={"response": "\\u0000"})
    assert (await lrs.request("POST", "/xapi/statements", json=literal)).status == 200
    stored = await (await lrs.request("GET", "/xapi/statements")).json()
    assert [s["result"]["response"] for s in stored["statements"]] == ["\\u0000"]
