"""Staff sign-ins in the audit log (GET /admin/audit): success, each kind of failure and sign-out,
with a password and with Microsoft, naming accounts by id; no password, e-mail or name is recorded."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from lrs.clock import utc_now
from lrs.dashboard.throttle import MAX_FAILURES
from lrs.dashboard.users import create_staff_user
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.lrs.dashboard.test_entra_sign_in import STAFF, entra_site
from tests.lrs_server import RunningLrs, running_lrs

__all__ = ["fake_microsoft", "microsoft_ca"]
EMAIL, PASSWORD = "Head.Of.Digital@example.gov.uk", "correct horse battery staple"
WRONG = "Tr0ub4dor&3-not-it"


async def audit_log(lrs: RunningLrs) -> list[dict[str, Any]]:
    response = await lrs.request("GET", "/admin/audit", params={"limit": "500"})
    assert response.status == 200
    return list(reversed((await response.json())["entries"]))  # oldest first


def sign_ins(entries: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [
        (
            entry["action"],
            entry["actor"],
            entry["detail"].get("method", ""),
            entry["detail"].get("reason", ""),
        )
        for entry in entries
        if entry["action"].startswith("staff.")
    ]


async def post_form(lrs: RunningLrs, client: aiohttp.ClientSession, path: str, **fields: str) -> int:
    form = await client.get(lrs.server.make_url("/sign-in" if path == "/sign-in" else "/dashboard/"))
    html = await form.text()
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    reply = await client.post(
        lrs.server.make_url(path), data={"csrf_token": token, **fields}, allow_redirects=False
    )
    return reply.status


async def test_password_sign_ins_and_sign_out_are_audited_without_personal_data(sqlite_url: str) -> None:
    async with running_lrs(sqlite_url) as lrs:
        async with lrs.database.write_session() as session, session.begin():
            user = await create_staff_user(
                session, email=EMAIL, role="admin", organisations=(), password=PASSWORD, now=utc_now()
            )
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            expired = await client.post(lrs.server.make_url("/sign-in"), data={"email": EMAIL})
            assert expired.status == 400
            assert (
                await post_form(lrs, client, "/sign-in", email="nobody@example.gov.uk", password=WRONG) == 401
            )
            assert await post_form(lrs, client, "/sign-in", email=EMAIL, password=WRONG) == 401
            assert await post_form(lrs, client, "/sign-in", email=EMAIL, password=PASSWORD) == 303
            assert await post_form(lrs, client, "/sign-out") == 303
            for _ in range(MAX_FAILURES):  # the success above cleared the earlier failure
                assert await post_form(lrs, client, "/sign-in", email=EMAIL, password=WRONG) == 401
            assert await post_form(lrs, client, "/sign-in", email=EMAIL, password=PASSWORD) == 429
        entries = await audit_log(lrs)

    me = f"staff:{user.user_id}"
    assert sign_ins(entries) == [
        ("staff.sign_in_failed", "staff:unknown", "password", "expired_form"),
        ("staff.sign_in_failed", "staff:unknown", "password", "unknown_account"),
        ("staff.sign_in_failed", me, "password", "wrong_password"),
        ("staff.sign_in", me, "password", ""),
        ("staff.sign_out", me, "", ""),
        *[("staff.sign_in_failed", me, "password", "wrong_password")] * MAX_FAILURES,
        ("staff.sign_in_failed", me, "password", "throttled"),
    ]
    assert {entry["target"] for entry in entries if entry["action"].startswith("staff.")} == {
        me,
        "staff:unknown",
    }
    dumped = json.dumps(entries).lower()
    for secret in (EMAIL.lower(), "nobody@example.gov.uk", PASSWORD.lower(), WRONG.lower(), "127.0.0.1"):
        assert secret not in dumped


async def test_microsoft_sign_ins_are_audited(sqlite_url: str, fake_microsoft: FakeMicrosoft) -> None:
    async with entra_site(sqlite_url, fake_microsoft) as site:
        fake_microsoft.user_sign_in.signed_in_as = STAFF
        assert (await site.to_microsoft_and_back()).status == 303
        fake_microsoft.user_sign_in.signed_in_as = "stranger@example.gov.uk"
        assert (await site.to_microsoft_and_back()).status == 403
        fake_microsoft.user_sign_in.signed_in_as = ""
        assert (await site.to_microsoft_and_back()).status == 401
        stale = await site.client.get(
            site.url("/sign-in/entra/callback?code=x&state=y"), allow_redirects=False
        )
        assert stale.status == 400
        entries = await audit_log(site.lrs)

    recorded = sign_ins(entries)
    assert [(action, method, reason) for action, _actor, method, reason in recorded] == [
        ("staff.sign_in", "entra", ""),
        ("staff.sign_in_failed", "entra", "no_account"),
        ("staff.sign_in_failed", "entra", "entra_rejected"),
        ("staff.sign_in_failed", "entra", "expired_form"),
    ]
    assert recorded[0][1].startswith("staff:") and recorded[0][1] != "staff:unknown"
    assert "stranger" not in json.dumps(entries) and STAFF not in json.dumps(entries)
