"""Check-in links withdrawn one at a time (`lrs attendance revoke-link`), and the nonce cookie marked
Secure when the browser reached us over TLS, directly or through a trusted proxy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lrs.attendance.checkin import link_id
from lrs.cli import main
from tests.lrs.attendance.server import attendance_lrs, checkin_link_path
from tests.lrs.attendance.support import SteppingClock
from tests.lrs_server import RunningLrs


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
async def server(database_url: str, tmp_path: Path, clock: SteppingClock) -> AsyncIterator[RunningLrs]:
    async with attendance_lrs(database_url, tmp_path, clock, trusted_proxies=("127.0.0.1",)) as running:
        yield running


async def _get(server: RunningLrs, path: str, **headers: str) -> tuple[int, str, str]:
    async with server.session.get(server.server.make_url(path), headers=headers) as response:
        return response.status, await response.text(), response.headers.get("Set-Cookie", "")


async def test_one_link_is_withdrawn_and_the_others_keep_working(
    server: RunningLrs,
    clock: SteppingClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lost = checkin_link_path(server, clock, "att-room", hours=12)
    kept = checkin_link_path(server, clock, "att-room", hours=13)
    assert (await _get(server, lost))[0] == 200 and (await _get(server, kept))[0] == 200
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LRS_LOG_LEVEL", "WARNING")
    revoke = ["attendance", "revoke-link", "https://lrs.example" + lost, "--session", "att-room"]
    assert await asyncio.to_thread(main, revoke) == 0  # the command runs its own event loop
    token = lost.partition("token=")[2]
    assert f"check-in link {link_id(token)} withdrawn" in capsys.readouterr().out
    status, page, _ = await _get(server, lost)
    assert status == 403 and "has been withdrawn" in page
    async with server.session.post(
        server.server.make_url("/checkin/att-room"), data={"token": token, "csrf_token": "x"}
    ) as response:
        assert response.status == 403 and "has been withdrawn" in await response.text()
    assert (await _get(server, kept))[0] == 200
    again = ["attendance", "revoke-link", link_id(token), "--session", "att-room"]
    assert await asyncio.to_thread(main, again) == 0
    assert "was already withdrawn" in capsys.readouterr().out


async def test_the_nonce_cookie_is_secure_behind_a_trusted_tls_proxy(
    server: RunningLrs, clock: SteppingClock
) -> None:
    path = checkin_link_path(server, clock, "att-room")
    _, _, proxied = await _get(server, path, **{"X-Forwarded-Proto": "https"})
    assert "checkin_nonce=" in proxied and "Secure" in proxied and "HttpOnly" in proxied
    _, _, plain = await _get(server, path)
    assert "checkin_nonce=" in plain and "Secure" not in plain


async def test_an_untrusted_forwarded_proto_is_ignored(
    database_url: str, tmp_path: Path, clock: SteppingClock
) -> None:
    async with attendance_lrs(database_url, tmp_path, clock) as untrusting:
        path = checkin_link_path(untrusting, clock, "att-room")
        _, _, cookie = await _get(untrusting, path, **{"X-Forwarded-Proto": "https"})
    assert "checkin_nonce=" in cookie and "Secure" not in cookie
