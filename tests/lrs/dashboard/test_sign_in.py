"""Staff sign-in over HTTP: redirects, CSRF on every form, cookie flags, sign-out, bad input as 4xx."""

from __future__ import annotations

import pytest

from lrs.clock import utc_now
from lrs.dashboard.sessions import COOKIE_NAME
from lrs.dashboard.users import disable_staff_user
from tests.lrs.dashboard.support import ACCOUNTS, csrf_in, dashboard_site

ADMIN = ACCOUNTS["admin"][0]


async def test_sign_in_sign_out_and_the_forms_need_their_tokens(sqlite_url: str) -> None:
    async with dashboard_site(sqlite_url) as site, site.browser() as client:
        unsigned = await client.get(
            site.url("/dashboard/cohorts/demo-cohort?sort=risk"), allow_redirects=False
        )
        assert unsigned.status == 303
        assert unsigned.headers["Location"].startswith("/sign-in?next=")

        no_token = await client.post(
            site.url("/sign-in"), data={"email": ADMIN, "password": "x"}, allow_redirects=False
        )
        assert no_token.status == 400 and COOKIE_NAME not in no_token.cookies
        wrong = await site.sign_in(client, ADMIN, password="not the password at all")
        assert wrong.status == 401 and "Enter a correct e-mail address and password" in await wrong.text()
        unknown = await site.sign_in(client, "nobody@example.gov.uk")
        assert unknown.status == 401

        signed_in = await site.sign_in(client, ADMIN)
        assert signed_in.status == 303 and signed_in.headers["Location"] == "/dashboard/"
        cookie = signed_in.cookies[COOKIE_NAME]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]  # plain http demo
        home = await client.get(site.url("/dashboard/"))
        assert home.status == 200 and "Signed in as admin@example.gov.uk" in await home.text()
        assert home.headers["Cache-Control"] == "no-store" and home.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]

        stolen = client.cookie_jar.filter_cookies(site.lrs.server.make_url("/"))[COOKIE_NAME].value
        refused = await client.post(
            site.url("/sign-out"), data={"csrf_token": "forged"}, allow_redirects=False
        )
        assert refused.status == 400
        token = csrf_in(await (await client.get(site.url("/dashboard/"))).text())
        out = await client.post(site.url("/sign-out"), data={"csrf_token": token}, allow_redirects=False)
        assert out.status == 303
        after = await client.get(site.url("/dashboard/"), allow_redirects=False)
        assert after.status == 303
        async with site.browser() as other:  # a copy of the cookie taken before sign-out
            replay = await other.get(
                site.url("/dashboard/"), headers={"Cookie": f"{COOKIE_NAME}={stolen}"}, allow_redirects=False
            )
            assert replay.status == 303
            assert (await site.sign_in(other, ADMIN)).status == 303  # signing in again works at once
            assert (await other.get(site.url("/dashboard/"), allow_redirects=False)).status == 200


async def test_cookie_is_secure_behind_an_https_proxy_and_next_cannot_leave_the_site(sqlite_url: str) -> None:
    trusted = ("127.0.0.1", "::1")  # the proxy on this host
    async with dashboard_site(sqlite_url, trusted_proxies=trusted) as site, site.browser() as client:
        form = await client.get(site.url("/sign-in"))
        token = csrf_in(await form.text())
        response = await client.post(
            site.url("/sign-in"),
            data={
                "email": ADMIN,
                "password": "correct horse battery staple",
                "csrf_token": token,
                "next": "//evil.example/",
            },
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
        )
        assert response.status == 303 and response.headers["Location"] == "/dashboard/"
        assert response.cookies[COOKIE_NAME]["secure"]


async def test_a_forwarded_proto_from_an_untrusted_address_is_ignored(sqlite_url: str) -> None:
    async with dashboard_site(sqlite_url, trusted_proxies=()) as site, site.browser() as client:
        token = csrf_in(await (await client.get(site.url("/sign-in"))).text())
        response = await client.post(
            site.url("/sign-in"),
            data={"email": ADMIN, "password": "correct horse battery staple", "csrf_token": token},
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
        )
        assert response.status == 303
        assert not response.cookies[COOKIE_NAME][
            "secure"
        ]  # anyone can send the header; only a proxy is believed


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("sort=colour", "sort"), ("order=sideways", "order"), ("page=2", "page")],
)
async def test_bad_roster_parameters_are_a_400_naming_them(
    sqlite_url: str, query: str, parameter: str
) -> None:
    async with dashboard_site(sqlite_url) as site, site.browser() as client:
        await site.sign_in(client, ADMIN)
        for path in ("/dashboard/cohorts/demo-cohort", "/dashboard/cohorts/demo-cohort/roster.csv"):
            response = await client.get(site.url(f"{path}?{query}"))
            assert response.status == 400
            assert f"{parameter}:" in await response.text()
        for bad in ("abc", "99999999999999999999", "١٢"):
            bad_learner = await client.get(site.url(f"/dashboard/learners/{bad}"))
            assert bad_learner.status == 400 and "learner:" in await bad_learner.text()
        for missing in (
            "/dashboard/learners/999999999",
            "/dashboard/cohorts/nope",
            "/dashboard/councils/nope",
        ):
            assert (await client.get(site.url(missing))).status == 404
        bare = await client.get(site.url("/dashboard"), allow_redirects=False)
        assert bare.status == 303 and bare.headers["Location"] == "/dashboard/"


async def test_disabling_an_account_ends_its_session_and_its_sign_in(sqlite_url: str) -> None:
    async with dashboard_site(sqlite_url) as site, site.browser() as client:
        assert (await site.sign_in(client, ADMIN)).status == 303
        assert (await client.get(site.url("/dashboard/"), allow_redirects=False)).status == 200
        async with site.lrs.database.write_session() as session, session.begin():
            assert await disable_staff_user(session, ADMIN, utc_now())
        assert (await client.get(site.url("/dashboard/"), allow_redirects=False)).status == 303
        assert (await site.sign_in(client, ADMIN)).status == 401
