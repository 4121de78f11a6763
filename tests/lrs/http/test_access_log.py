"""The access log of a full run holds no secret and no email, and every line names its request id."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from yarl import URL

from lrs.http.access_log import REQUEST_ID_HEADER, RequestIdFilter, logged_path
from tests.lrs.attendance.server import attendance_lrs, checkin_link_path
from tests.lrs.attendance.support import FACILITATOR, SteppingClock
from tests.lrs_server import RunningLrs

LEARNER = "ada@council.gov.uk"
ACTIVITY = "https://cohort-lrs.example/activities/module-1"
AGENT = json.dumps({"objectType": "Agent", "mbox": f"mailto:{LEARNER}"})


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captured at INFO from before the server starts (aiohttp decides then whether to log access)."""
    caplog.set_level(logging.INFO)
    return caplog


@pytest.fixture
async def server(
    logs: pytest.LogCaptureFixture, database_url: str, tmp_path: Path, clock: SteppingClock
) -> AsyncIterator[RunningLrs]:
    async with attendance_lrs(database_url, tmp_path, clock) as running:
        yield running


def _forms(text: str) -> set[str]:
    """`text` as it may appear in a log: raw, percent-encoded, form-encoded."""
    return {text, quote(text, safe=""), quote(text, safe="").replace("%20", "+"), quote(text)}


async def _full_run(server: RunningLrs, clock: SteppingClock) -> tuple[set[str], list[str]]:
    """Demo link, check-in link, statements, state and agent queries; the secrets used and the request ids."""
    basic = base64.b64encode(f"{server.key}:{server.secret}".encode()).decode()
    checkin = checkin_link_path(server, clock, "att-room")
    token = checkin.partition("token=")[2]
    ids: list[str] = []
    demo = URL("/demo/").with_query(auth=f"Basic {basic}", actor=AGENT, endpoint=server.base_url)
    async with server.session.get(server.server.make_url(str(demo))) as response:
        assert response.status == 200
        ids.append(response.headers[REQUEST_ID_HEADER])
    async with server.session.get(server.server.make_url(checkin)) as response:
        assert response.status == 200
        ids.append(response.headers[REQUEST_ID_HEADER])
    statement = {"actor": json.loads(AGENT), "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}}
    for number in range(2):
        posted = await server.request(
            "POST", "/xapi/statements", json={**statement, "object": {"id": f"{ACTIVITY}/{number}"}}
        )
        assert posted.status == 200, await posted.text()
    state = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark"}
    calls = [
        ("PUT", "/xapi/activities/state", state, {"page": 3}),
        ("GET", "/xapi/activities/state", state, None),
        ("GET", "/xapi/agents", {"agent": AGENT}, None),
        ("GET", "/xapi/agents/profile", {"agent": AGENT}, None),
        ("GET", "/xapi/statements", {"agent": AGENT, "limit": "1"}, None),
    ]
    more = ""
    for method, path, params, body in calls:
        response = await server.request(method, path, params=params, json=body)
        assert response.status < 300, await response.text()
        ids.append(response.headers[REQUEST_ID_HEADER])
        if path == "/xapi/statements":
            more = (await response.json())["more"]
    assert more
    response = await server.request("GET", more)
    assert response.status == 200
    ids.append(response.headers[REQUEST_ID_HEADER])
    secrets = {server.secret, basic, token, more.partition("more=")[2]}
    return secrets | {LEARNER, FACILITATOR}, ids


async def test_a_full_run_logs_no_secret_or_email(
    server: RunningLrs, clock: SteppingClock, logs: pytest.LogCaptureFixture
) -> None:
    secrets, ids = await _full_run(server, clock)
    logged = "\n".join(record.getMessage() for record in logs.records)
    for secret in secrets:
        for form in _forms(secret):
            assert form not in logged, f"{form[:20]}... is in the log"
    access = [record.getMessage() for record in logs.records if record.name == "aiohttp.access"]
    assert len(access) >= len(ids)
    for request_id in ids:
        assert sum(line.startswith(request_id + " ") for line in access) == 1, request_id
    assert any("/xapi/activities/state?activityId=" in line and "stateId=bookmark" in line for line in access)
    assert any("agent=[redacted]" in line for line in access)


def test_logged_path_keeps_harmless_values_and_redacts_the_rest() -> None:
    url = URL("/xapi/statements").with_query(verb="http://v.example/x", agent=AGENT, token="abc", limit="5")
    assert logged_path(url) == (
        "/xapi/statements?verb=http://v.example/x&agent=[redacted]&token=[redacted]&limit=5"
    )
    # An email anywhere (path, or a value otherwise kept) is redacted too.
    assert LEARNER not in logged_path(URL(f"/admin/people/{LEARNER}?activity=mailto:{LEARNER}"))
    assert "%40" not in logged_path(URL("/x?stateId=" + quote(f"s-{LEARNER}", safe="")))


def test_records_outside_a_request_have_a_placeholder_id() -> None:
    record = logging.LogRecord("lrs", logging.INFO, __file__, 1, "started", None, None)
    assert RequestIdFilter().filter(record) and record.request_id == "-"
    assert re.fullmatch("[0-9a-f-]+", record.request_id)
