"""`lrs serve --demo` prints working credentials and a launch link for the demo module."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lrs.clock import utc_now
from lrs.demo import with_demo_defaults
from lrs.settings import Settings
from tests.lrs_server import basic_auth, running_lrs
from tests.notifications.support import ManualClock
from tests.notifications.test_embedded_default import until_files


async def test_demo_credentials_work_and_stay_the_same_across_restarts(
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
        assert statuses == [200, 200]
        assert pairs[0] == pairs[1]  # saved commands keep working after a restart
    link = urlsplit(re.search(r"demo module:\s+(\S+)", printed[1]).group(1))  # type: ignore[union-attr]
    query = parse_qs(link.query)
    assert link.path == "/demo/module.html"
    assert {"endpoint", "auth", "actor", "registration", "activity_id"} <= set(query)


def _printed_pair(out: str) -> tuple[str, str]:
    found_key, found_secret = re.search(r"key:\s+(\S+)", out), re.search(r"secret:\s+(\S+)", out)
    assert found_key and found_secret, out
    return found_key.group(1), found_secret.group(1)


async def test_the_demo_link_carries_a_narrow_credential_and_a_revoked_one_says_so(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_lrs(sqlite_url, demo=True) as lrs:
        key, secret = _printed_pair(capsys.readouterr().out)
        headers = {**basic_auth(key, secret), "X-Experience-API-Version": "2.0.0"}
        admin = await lrs.session.get(lrs.server.make_url("/admin/programmes"), headers=headers)
        everything = await lrs.session.get(
            lrs.server.make_url("/xapi/statements"),
            params={"agent": '{"mbox": "mailto:someone.else@example.gov.uk"}'},
            headers=headers,
        )
        assert admin.status in (401, 403) and everything.status == 200
        async with lrs.database.write_session() as session, session.begin():
            from lrs.storage.credentials import list_credentials, revoke_credential

            listed = {info.key: info for info in await list_credentials(session)}
            assert " ".join(sorted(listed[key].scopes)) == "state statements/read/mine statements/write"
            await revoke_credential(session, key=key, now=utc_now())
    async with running_lrs(sqlite_url, demo=True) as lrs:
        new_key, _new_secret = _printed_pair(capsys.readouterr().out)
        assert new_key != key
        revoked = await lrs.session.get(
            lrs.server.make_url("/xapi/statements"),
            headers={**basic_auth(key, secret), "X-Experience-API-Version": "2.0.0"},
        )
        wrong = await lrs.session.get(
            lrs.server.make_url("/xapi/statements"),
            headers={**basic_auth(key, "0" * 64), "X-Experience-API-Version": "2.0.0"},
        )
        assert revoked.status == 401 and "revoked" in (await revoked.json())["message"]
        assert wrong.status == 401 and "revoked" not in (await wrong.json())["message"]


async def test_the_demo_sends_its_messages_at_any_hour(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone trying the demo in the evening sees the messages in var/outbox/ at once, not the next
    morning: the demo turns the learners' sending windows off (a setting that names them wins)."""
    monkeypatch.chdir(tmp_path)
    evening = ManualClock(datetime(2026, 3, 4, 21, 30, tzinfo=UTC))  # a Wednesday, in quiet hours
    options = {"worker_in_process": True, "worker_poll_seconds": 0.05, "public_url": "https://lrs.test"}
    async with running_lrs(sqlite_url, demo=True, clock=evening, **options):
        found = await until_files(tmp_path / "var" / "outbox", 24)  # the cohort's calendar invitations
    assert all(str(item["subject"]).startswith(("Invitation: ", "Welcome")) for item in found)
    capsys.readouterr()
    kept = replace(Settings(), demo=True, notifications={"sending_windows": True})
    assert with_demo_defaults(kept).notifications == {"sending_windows": True}
