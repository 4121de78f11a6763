"""The check-in page over real HTTP: roster, marks, re-marks voiding, CSRF and link checks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lrs.attendance.statements import ABSENT_VERB, ATTENDED_VERB, LATE_EXTENSION, VOIDED_VERB
from lrs.http.context import SETTINGS
from tests.lrs.attendance.server import attendance_lrs, checkin_link_path
from tests.lrs.attendance.support import FACILITATOR, ROOM_IRI, SteppingClock
from tests.lrs_server import RunningLrs


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
async def server(database_url: str, tmp_path: Path, clock: SteppingClock) -> AsyncIterator[RunningLrs]:
    async with attendance_lrs(database_url, tmp_path, clock) as running:
        yield running


class Browser:
    """A phone's browser: keeps the nonce cookie by hand (aiohttp ignores cookies from IP hosts)."""

    def __init__(self, server: RunningLrs) -> None:
        self.server = server
        self.cookie = ""

    async def get(self, path: str) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        async with self.server.session.get(self.server.server.make_url(path), headers=headers) as response:
            if "checkin_nonce" in response.cookies:
                self.cookie = f"checkin_nonce={response.cookies['checkin_nonce'].value}"
            return response.status, await response.text()

    async def post(self, path: str, form: dict[str, str], **headers: str) -> tuple[int, str, str]:
        if self.cookie:
            headers.setdefault("Cookie", self.cookie)
        async with self.server.session.post(
            self.server.server.make_url(path), data=form, headers=headers, allow_redirects=False
        ) as response:
            return response.status, response.headers.get("Location", ""), await response.text()


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden {name}"
    return found.group(1)


async def _statements(server: RunningLrs, **params: str) -> list[dict[str, object]]:
    response = await server.request("GET", "/xapi/statements", params={"activity": ROOM_IRI, **params})
    assert response.status == 200
    body = await response.json()
    return list(body["statements"])


async def test_page_lists_the_roster_and_saves_marks(server: RunningLrs, clock: SteppingClock) -> None:
    browser, path = Browser(server), checkin_link_path(server, clock, "att-room")
    status, page = await browser.get(path)
    assert status == 200
    for name in (
        "Ada Lovelace",
        "Bob Brown",
        "Cat Jones",
        "Block day: leading digital change",
        "Wyecliffe Hall",
    ):
        assert name in page
    assert "Tuesday 14 October 2025, 10:00 to 12:00" in page and "Not marked: <strong>3</strong>" in page
    assert 'name="viewport"' in page and '<html lang="en-GB">' in page
    form = {
        "token": _hidden(page, "token"),
        "csrf_token": _hidden(page, "csrf_token"),
        "mark:ada@council.gov.uk": "present",
        "mark:bob@council.gov.uk": "late",
    }
    status, location, _ = await browser.post("/checkin/att-room", form)
    assert status == 303 and parse_qs(urlsplit(location).query)["saved"] == ["2"]
    status, page = await browser.get(location)
    assert "Register saved: 2 marks recorded." in page and "Not marked: <strong>1</strong>" in page
    assert re.search(r'value="late" checked', page)
    stored = await _statements(server)
    assert {s["actor"]["mbox"]: s["verb"]["id"] for s in stored} == {  # type: ignore[index]
        "mailto:ada@council.gov.uk": ATTENDED_VERB,
        "mailto:bob@council.gov.uk": ATTENDED_VERB,
    }
    bob = next(s for s in stored if s["actor"]["mbox"] == "mailto:bob@council.gov.uk")  # type: ignore[index]
    assert bob["result"] == {"extensions": {LATE_EXTENSION: True}}
    assert bob["context"]["instructor"] == {  # type: ignore[index]
        "objectType": "Agent",
        "mbox": f"mailto:{FACILITATOR}",
        "name": "Fran Facilitator",
    }


async def test_remark_voids_the_earlier_statement_and_resubmission_does_nothing(
    server: RunningLrs, clock: SteppingClock
) -> None:
    browser, path = Browser(server), checkin_link_path(server, clock, "att-room")
    _, page = await browser.get(path)
    form = {"token": _hidden(page, "token"), "csrf_token": _hidden(page, "csrf_token")}
    await browser.post("/checkin/att-room", {**form, "mark:cat@council.gov.uk": "present"})
    [first] = await _statements(server)
    status, location, _ = await browser.post(
        "/checkin/att-room", {**form, "mark:cat@council.gov.uk": "present"}
    )
    assert status == 303 and location.endswith("saved=0")
    await browser.post("/checkin/att-room", {**form, "mark:cat@council.gov.uk": "absent"})
    [latest] = await _statements(server, verb=ABSENT_VERB)
    assert latest["id"] != first["id"]
    gone = await server.request("GET", "/xapi/statements", params={"statementId": str(first["id"])})
    assert gone.status == 404
    voided = await server.request("GET", "/xapi/statements", params={"voidedStatementId": str(first["id"])})
    assert voided.status == 200
    _, page = await browser.get(path)
    assert re.search(r'value="absent" checked', page) and "Absent: <strong>1</strong>" in page


async def test_forged_missing_or_foreign_csrf_is_refused(server: RunningLrs, clock: SteppingClock) -> None:
    browser, path = Browser(server), checkin_link_path(server, clock, "att-room")
    _, page = await browser.get(path)
    token, csrf = _hidden(page, "token"), _hidden(page, "csrf_token")
    mark = {"mark:ada@council.gov.uk": "present"}
    refused = [
        await browser.post("/checkin/att-room", {"token": token, "csrf_token": "forged", **mark}),
        await browser.post("/checkin/att-room", {"token": token, **mark}),
        await browser.post(
            "/checkin/att-room", {"token": token, "csrf_token": csrf, **mark}, Cookie="checkin_nonce=other"
        ),
        await browser.post(
            "/checkin/att-room", {"token": token, "csrf_token": csrf, **mark}, Origin="https://evil.example"
        ),
    ]
    assert [status for status, _, _ in refused] == [403] * 4
    assert "Nothing was saved" in refused[0][2] or "nothing was saved" in refused[0][2]
    assert await _statements(server) == []


async def test_expired_tampered_and_other_session_links_are_refused(
    server: RunningLrs, clock: SteppingClock
) -> None:
    browser = Browser(server)
    path = checkin_link_path(server, clock, "att-room", hours=1)
    status, page = await browser.get(path)
    assert status == 200
    form = {
        "token": _hidden(page, "token"),
        "csrf_token": _hidden(page, "csrf_token"),
        "mark:ada@council.gov.uk": "late",
    }
    clock.now += timedelta(hours=2)
    status, page = await browser.get(path)
    assert status == 403 and "has expired" in page and "WWW-Authenticate" not in page
    status, _, page = await browser.post("/checkin/att-room", form)
    assert status == 403 and "has expired" in page
    clock.now -= timedelta(hours=2)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert (await browser.get(tampered))[0] == 403
    other = checkin_link_path(server, clock, "att-pair")
    status, page = await browser.get(other.replace("/checkin/att-pair", "/checkin/att-room"))
    assert status == 403 and "different session" in page
    assert (await browser.get("/checkin/att-room"))[0] == 403
    assert await _statements(server) == []


async def test_unknown_learner_and_session(server: RunningLrs, clock: SteppingClock) -> None:
    browser = Browser(server)
    _, page = await browser.get(checkin_link_path(server, clock, "att-pair"))
    assert "Ada Lovelace" in page and "Cat Jones" not in page  # the session lists its own attendees
    form = {"token": _hidden(page, "token"), "csrf_token": _hidden(page, "csrf_token")}
    status, _, page = await browser.post("/checkin/att-pair", {**form, "mark:cat@council.gov.uk": "present"})
    assert status == 400 and "not a learner expected" in page
    status, _, page = await browser.post("/checkin/att-pair", {**form, "mark:ada@council.gov.uk": "asleep"})
    assert status == 400
    status, page = await browser.get(checkin_link_path(server, clock, "no-such-session"))
    assert status == 404 and "no session" in page


async def test_same_origin_and_public_url_origin_are_accepted(
    server: RunningLrs, clock: SteppingClock
) -> None:
    browser = Browser(server)
    _, page = await browser.get(checkin_link_path(server, clock, "att-room"))
    form = {"token": _hidden(page, "token"), "csrf_token": _hidden(page, "csrf_token")}
    direct = str(server.server.make_url("/")).rstrip("/")
    public = server.app[SETTINGS].base_url  # what a TLS-terminating proxy would be reached at
    for origin, mark in ((direct, "present"), (public, "late")):
        status, _, _ = await browser.post(
            "/checkin/att-room", {**form, "mark:ada@council.gov.uk": mark}, Origin=origin
        )
        assert status == 303
    # the late mark replaced (voided) the present one: one live mark, and the voiding statement
    assert [s["verb"]["id"] for s in await _statements(server)] == [VOIDED_VERB, ATTENDED_VERB]  # type: ignore[index]
