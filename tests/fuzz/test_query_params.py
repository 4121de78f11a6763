"""The query parameters of every read, fuzzed with hypothesis on SQLite and PostgreSQL: statements
(and their `more` cursors), documents, agents and activities, the HR completions filters and the
admin listings, directly and through the alternate request syntax. Whatever is sent, the answer is
never a 5xx, and a 4xx says what was wrong."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.http.statement_reads import QUERY_PARAMS
from lrs.reporting.filters import FILTER_PARAMS
from tests.fuzz.server_thread import ServedLrs, form_encoded, served_lrs
from tests.fuzz.strategies import HOSTILE, HTTP, PATHS, VALID, mutated_statements
from tests.lrs_server import RunningLrs

XAPI = {"X-Experience-API-Version": "1.0.3"}
DOCUMENT_PARAMS = ("activityId", "agent", "registration", "stateId", "profileId", "since")
# method, path, the parameter names it knows (fuzzed beside unknown ones)
ENDPOINTS = [
    ("GET", "/xapi/statements", tuple(sorted(QUERY_PARAMS))),
    ("GET", "/xapi/activities/state", DOCUMENT_PARAMS),
    ("GET", "/xapi/activities/profile", DOCUMENT_PARAMS),
    ("GET", "/xapi/agents/profile", DOCUMENT_PARAMS),
    ("DELETE", "/xapi/activities/state", DOCUMENT_PARAMS),
    ("GET", "/xapi/agents", ("agent",)),
    ("GET", "/xapi/activities", ("activityId",)),
    ("GET", "/api/v1/completions", (*FILTER_PARAMS, "cursor", "limit", "format")),
    ("GET", "/admin/audit", ("limit", "before")),
    ("GET", "/admin/notifications", ("cohort", "learner", "state", "cursor", "limit")),
    ("GET", "/admin/programmes", ()),
    ("POST", "/admin/cohorts/demo-cohort/roster", ("dry_run", "accept_valid")),
    ("GET", "/notifications/preferences", ("t",)),
    ("GET", "/notifications/unsubscribe", ("t",)),
    ("POST", "/notifications/unsubscribe", ("t",)),
]
PATH_ENDPOINTS = [
    ("GET", "/admin/cohorts/{}"),
    ("GET", "/admin/cohorts/{}/confidence"),
    ("GET", "/admin/programmes/{}"),
    ("DELETE", "/admin/people/{}"),
    ("GET", "/xapi/statements/{}"),
]


async def _seed(lrs: RunningLrs) -> None:
    statements = [{**VALID, "id": f"fd41c918-b88b-4b20-a0a5-a4c32391aa{n:02d}"} for n in range(30)]
    response = await lrs.request("POST", "/xapi/statements", json=statements)
    assert response.status == 200, await response.text()
    state = {"activityId": VALID["object"]["id"], "agent": json.dumps(VALID["actor"]), "stateId": "s"}
    response = await lrs.request("PUT", "/xapi/activities/state", params=state, json={"a": 1})
    assert response.status == 204, await response.text()


@pytest.fixture
def served(database_url: str) -> Iterator[ServedLrs]:
    with served_lrs(database_url, demo=True) as lrs:
        lrs.run(_seed)
        yield lrs


def _check(status: int, text: str, what: object) -> None:
    assert status < 500, (what, status, text[:500])
    if 400 <= status < 500 and status != 404:
        assert text.strip(), (what, status)


@HTTP
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    data=st.data(),
    alternate=st.booleans(),
)
def test_no_query_is_a_server_error(
    served: ServedLrs, endpoint: tuple[str, str, tuple[str, ...]], data: st.DataObject, alternate: bool
) -> None:
    method, path, names = endpoint
    keys = st.sampled_from(names) if names else st.text(max_size=8)
    params = data.draw(st.dictionaries(keys | st.text(max_size=8), HOSTILE, max_size=5), label="params")
    if alternate and path.startswith("/xapi/"):
        form = form_encoded({key: value for key, value in params.items() if key != "method"})
        headers = {**XAPI, "Content-Type": "application/x-www-form-urlencoded"}
        status, text = served.call("POST", path, {"method": method}, data=form.encode(), headers=headers)
    else:
        status, text = served.call(method, path, params, headers=XAPI)
    _check(status, text, (method, path, params, alternate))


@HTTP
@given(endpoint=st.sampled_from(PATH_ENDPOINTS), value=HOSTILE.filter(bool))
def test_no_path_is_a_server_error(served: ServedLrs, endpoint: tuple[str, str], value: str) -> None:
    method, pattern = endpoint
    path = pattern.format(quote(value.encode("utf-8", "surrogatepass"), safe=""))
    status, text = served.call(method, path, {"dry_run": "true"}, headers=XAPI)
    _check(status, text, (method, path))


NUMBER_PARAMS = [
    ("GET", "/xapi/statements", "limit"),
    ("GET", "/xapi/statements", "more"),
    ("GET", "/api/v1/completions", "limit"),
    ("GET", "/admin/audit", "limit"),
    ("GET", "/admin/audit", "before"),
    ("GET", "/admin/notifications", "limit"),
    ("GET", "/admin/notifications", "cursor"),
    ("GET", "/checkin/s", "saved"),
]
BAD_NUMBERS = ["9" * 5000, "9" * 19, "1" + "0" * 30, "²", "①", "1²", "-1", " 5", "5_000"]


def test_numbers_no_column_can_hold_are_refused(served: ServedLrs) -> None:
    """Found by the fuzzing above: superscript digits, 5,000-digit and beyond-64-bit numbers were 500s."""
    for method, path, name in NUMBER_PARAMS:
        for value in BAD_NUMBERS:
            status, text = served.call(method, path, {name: value}, headers=XAPI)
            assert status < 500, (path, name, value[:12], text[:300])
    for token in ("1.preferences." + "9" * 5000 + ".x", "².preferences.1.x", "9" * 30 + ".unsubscribe.1.x"):
        for path in ("/notifications/preferences", "/notifications/unsubscribe"):
            status, text = served.call("GET", path, {"t": token}, headers=XAPI)
            assert 400 <= status < 500, (path, token[:20], text[:300])
    for value in ("9" * 5000, "²", "9" * 19, "\x00"):
        status, _ = served.call("DELETE", f"/admin/people/{quote(value)}", headers=XAPI)
        assert status == 400, value[:12]


LONG = st.sampled_from(
    ["https://cohort-lrs.example/" + "x" * 3000, "mailto:" + "a" * 400 + "@x.gov.uk", "é" * 5000]
)


@HTTP
@given(statement=mutated_statements(), long_value=LONG, where=st.sampled_from(PATHS), long=st.booleans())
def test_no_statement_body_is_a_server_error(
    served: ServedLrs, statement: dict[str, object], long_value: str, where: tuple[object, ...], long: bool
) -> None:
    """What the validator accepts, both databases store (or refuse with a 4xx): no column too short,
    no index that cannot hold it."""
    if long:
        parent: Any = statement
        try:
            for step in where[:-1]:
                parent = parent[step]
            parent[where[-1]] = long_value
        except (KeyError, IndexError, TypeError):
            pass
    body = json.dumps({**statement, "id": str(uuid.uuid4())}).encode()
    headers = {**XAPI, "Content-Type": "application/json"}
    status, text = served.call("POST", "/xapi/statements", data=body, headers=headers)
    _check(status, text, ("POST", statement))
