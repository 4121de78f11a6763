"""`lrs serve --demo` prints a demo admin's sign-in details that work, and the same ones next start."""

from __future__ import annotations

import re

import aiohttp
import pytest

from lrs.dashboard.demo_admin import DEMO_ADMIN_EMAIL
from tests.lrs.dashboard.support import csrf_in
from tests.lrs_server import running_lrs


async def _printed_password(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    async with running_lrs(sqlite_url, demo=True) as lrs:
        out = capsys.readouterr().out
        assert f"admin e-mail:  {DEMO_ADMIN_EMAIL}" in out and "/sign-in" in out
        password = re.search(r"password:\s+(\S+)", out).group(1)  # type: ignore[union-attr]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            token = csrf_in(await (await client.get(lrs.server.make_url("/sign-in"))).text())
            response = await client.post(
                lrs.server.make_url("/sign-in"),
                data={"email": DEMO_ADMIN_EMAIL, "password": password, "csrf_token": token},
                allow_redirects=False,
            )
            assert response.status == 303
            home = await client.get(lrs.server.make_url("/dashboard/"))
            assert "demo-cohort" in await home.text()
        return password


async def test_demo_admin_signs_in_and_keeps_its_password(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _printed_password(sqlite_url, capsys) == await _printed_password(sqlite_url, capsys)
