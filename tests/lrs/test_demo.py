"""`lrs serve --demo` prints working credentials and a launch link for the demo module."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.lrs_server import basic_auth, running_lrs


async def test_demo_credentials_work_and_replace_the_previous_ones(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = []
    for _ in range(2):
        async with running_lrs(sqlite_url, demo=True):
            pass
        printed.append(capsys.readouterr().out)
    async with running_lrs(sqlite_url) as lrs:
        pairs = []
        for out in printed:
            found_key = re.search(r"key:\s+(\S+)", out)
            found_secret = re.search(r"secret:\s+(\S+)", out)
            assert found_key and found_secret, out
            pairs.append((found_key.group(1), found_secret.group(1)))
        statuses = []
        for key, secret in pairs:
            headers = {**basic_auth(key, secret), "X-Experience-API-Version": "2.0.0"}
            response = await lrs.session.get(lrs.server.make_url("/xapi/statements"), headers=headers)
            statuses.append(response.status)
        assert statuses == [401, 200]  # a new start revokes the old demo credential
    link = urlsplit(re.search(r"demo module:\s+(\S+)", printed[1]).group(1))  # type: ignore[union-attr]
    query = parse_qs(link.query)
    assert link.path == "/demo/module.html"
    assert {"endpoint", "auth", "actor", "registration", "activity_id"} <= set(query)
