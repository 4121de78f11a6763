"""CORS for browser-launched content: preflights without auth, headers on successes and errors,
and an origin allow-list that gives nothing away to origins it does not list."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from lrs.http.cors import origin_allowed
from tests.lrs_server import RunningLrs, running_lrs

COUNCIL = "https://learning.council.gov.uk"
ELSEWHERE = "https://elsewhere.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization,content-type,x-experience-api-version,if-match",
}


@pytest.fixture
async def lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    """SQLite only: this behaviour sits in front of storage, so a second database adds time, not cover."""
    async with running_lrs(sqlite_url) as server:
        yield server


@pytest.fixture
async def listed_lrs(sqlite_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(sqlite_url, cors_origins=(COUNCIL, "null")) as server:
        yield server


async def preflight(lrs: RunningLrs, path: str, origin: str) -> tuple[int, dict[str, str]]:
    response = await lrs.session.options(lrs.server.make_url(path), headers={"Origin": origin, **PREFLIGHT})
    return response.status, dict(response.headers)


@pytest.mark.parametrize("path", ["/xapi/statements", "/xapi/activities/state", "/xapi/agents/profile"])
async def test_preflight_is_answered_without_credentials(lrs: RunningLrs, path: str) -> None:
    status, headers = await preflight(lrs, path, COUNCIL)
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == COUNCIL
    assert "Access-Control-Allow-Credentials" not in headers
    methods = {item.strip() for item in headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "PUT", "POST", "DELETE"} <= methods
    allowed = {item.strip().lower() for item in headers["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "x-experience-api-version",
        "if-match",
        "if-none-match",
        "accept-language",
    } <= allowed
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in headers["Vary"]


async def test_success_echoes_origin_and_exposes_xapi_headers(lrs: RunningLrs) -> None:
    response = await lrs.request("GET", "/xapi/statements", headers={"Origin": COUNCIL})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == COUNCIL
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]
    exposed = {item.strip() for item in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {
        "ETag",
        "Last-Modified",
        "X-Experience-API-Version",
        "X-Experience-API-Consistent-Through",
        "Content-Type",
        "Location",
    } <= exposed


async def test_errors_carry_cors_headers_so_content_can_read_them(lrs: RunningLrs) -> None:
    unauthenticated = await lrs.session.get(
        lrs.server.make_url("/xapi/statements"),
        headers={"Origin": COUNCIL, "X-Experience-API-Version": "1.0.3"},
    )
    assert unauthenticated.status == 401
    assert unauthenticated.headers["Access-Control-Allow-Origin"] == COUNCIL
    assert (await unauthenticated.json())["message"]
    bad_version = await lrs.request("GET", "/xapi/statements", version="0.9", headers={"Origin": COUNCIL})
    assert bad_version.status == 400
    assert bad_version.headers["Access-Control-Allow-Origin"] == COUNCIL
    unknown_path = await lrs.request("GET", "/xapi/no-such-resource", headers={"Origin": COUNCIL})
    assert unknown_path.status == 404
    assert unknown_path.headers["Access-Control-Allow-Origin"] == COUNCIL


async def test_allow_list_admits_listed_origins_only(listed_lrs: RunningLrs) -> None:
    allowed = await listed_lrs.request("GET", "/xapi/statements", headers={"Origin": COUNCIL})
    assert allowed.headers["Access-Control-Allow-Origin"] == COUNCIL
    refused = await listed_lrs.request("GET", "/xapi/statements", headers={"Origin": ELSEWHERE})
    # The LRS still answers (CORS is the browser's check) but gives the browser nothing to share.
    assert refused.status == 200
    assert not [name for name in refused.headers if name.lower().startswith("access-control-")]
    assert "Origin" in refused.headers["Vary"]
    status, headers = await preflight(listed_lrs, "/xapi/statements", ELSEWHERE)
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers


async def test_null_origin_only_when_listed(lrs: RunningLrs, listed_lrs: RunningLrs) -> None:
    status, _ = await preflight(lrs, "/xapi/statements", "null")
    assert status == 403  # "*" does not cover file:// content
    status, headers = await preflight(listed_lrs, "/xapi/statements", "null")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "null"


async def test_no_cors_headers_without_origin_or_outside_xapi(lrs: RunningLrs) -> None:
    plain = await lrs.request("GET", "/xapi/statements")
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert plain.headers["Vary"] == "Origin"  # so a browser cache never reuses it for a CORS call
    outside = await lrs.session.get(lrs.server.make_url("/demo/module.html"), headers={"Origin": COUNCIL})
    assert "Access-Control-Allow-Origin" not in outside.headers


def test_origin_matching_ignores_case_and_trailing_slash() -> None:
    assert origin_allowed("HTTPS://Learning.Council.gov.uk", [COUNCIL + "/"])
    assert not origin_allowed("https://learning.council.gov.uk.evil.example", [COUNCIL])
    assert origin_allowed(ELSEWHERE, ["*"])
    assert not origin_allowed("null", ["*"])
    assert not origin_allowed(ELSEWHERE, [])


async def test_cross_origin_401_does_not_ask_the_browser_for_a_login(lrs: RunningLrs) -> None:
    """A Basic challenge would make the browser prompt and then cache the login for every site."""
    url = lrs.server.make_url("/xapi/statements")
    version = {"X-Experience-API-Version": "1.0.3"}
    for origin in (COUNCIL, "https://attacker.example"):
        async with lrs.session.get(url, headers={"Origin": origin, **version}) as response:
            assert response.status == 401
            assert "WWW-Authenticate" not in response.headers
            assert "Access-Control-Allow-Credentials" not in response.headers
    async with lrs.session.get(url, headers=version) as response:
        assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    own = str(lrs.server.make_url("/")).rstrip("/")
    async with lrs.session.get(url, headers={"Origin": own, **version}) as response:
        assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
