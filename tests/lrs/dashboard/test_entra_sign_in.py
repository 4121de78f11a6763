"""Entra ID sign-in (OIDC authorisation code + PKCE through msal) against the fake identity server:
the happy path, a Microsoft account without a staff account, a cancelled sign-in, a replayed or
tampered callback, and the PKCE method msal sends."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest
from yarl import URL

from lrs.clock import utc_now
from lrs.dashboard.sessions import COOKIE_NAME
from lrs.dashboard.users import create_staff_user
from tests.fakes.microsoft import TENANT, FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.lrs_server import RunningLrs, running_lrs

__all__ = ["fake_microsoft", "microsoft_ca"]
STAFF = "lead@example.gov.uk"


@dataclass
class Site:
    lrs: RunningLrs
    microsoft: FakeMicrosoft
    client: aiohttp.ClientSession

    def url(self, path: str) -> str:
        return str(self.lrs.server.make_url(path))

    async def to_microsoft_and_back(
        self, next_path: str = "/dashboard/accessibility"
    ) -> aiohttp.ClientResponse:
        """The browser's three hops: our /sign-in/entra, Microsoft's authorize, our callback."""
        start = await self.client.get(self.url(f"/sign-in/entra?next={next_path}"), allow_redirects=False)
        assert start.status == 303
        authorize = URL(start.headers["Location"])
        assert authorize.host == "localhost" and authorize.path == f"/{TENANT}/oauth2/v2.0/authorize"
        assert "code_challenge" in authorize.query and "nonce" in authorize.query
        back = await self.client.get(authorize, allow_redirects=False)
        assert back.status == 302
        return await self.client.get(back.headers["Location"], allow_redirects=False)


@asynccontextmanager
async def entra_site(sqlite_url: str, microsoft: FakeMicrosoft) -> AsyncIterator[Site]:
    table = {
        "tenant_id": TENANT,
        "client_id": microsoft.client_id,
        "client_secret": microsoft.client_secret,
        "authority_host": microsoft.base_url,
        "ca_bundle": str(microsoft.ca_path),
    }
    async with running_lrs(sqlite_url, staff_sign_in=table) as lrs:
        async with lrs.database.write_session() as session, session.begin():
            await create_staff_user(
                session, email=STAFF, role="admin", organisations=(), password="", now=utc_now()
            )
        context = ssl.create_default_context(cafile=str(microsoft.ca_path))
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(
            cookie_jar=jar, connector=aiohttp.TCPConnector(ssl=context)
        ) as client:
            yield Site(lrs, microsoft, client)


async def test_a_staff_member_signs_in_with_microsoft(sqlite_url: str, fake_microsoft: FakeMicrosoft) -> None:
    async with entra_site(sqlite_url, fake_microsoft) as site:
        form = await site.client.get(site.url("/sign-in"))
        assert "Sign in with your Microsoft work account" in await form.text()
        fake_microsoft.user_sign_in.signed_in_as = "Lead@Example.gov.uk"
        done = await site.to_microsoft_and_back()
        assert done.status == 303 and done.headers["Location"] == "/dashboard/accessibility"
        assert done.cookies[COOKIE_NAME]["httponly"]
        page = await site.client.get(site.url("/dashboard/accessibility"), allow_redirects=False)
        assert page.status == 200 and "Signed in as lead@example.gov.uk" in await page.text()
        assert fake_microsoft.user_sign_in.challenge_methods == ["S256"]


async def test_no_staff_account_a_cancel_and_a_replay_are_refused(
    sqlite_url: str, fake_microsoft: FakeMicrosoft
) -> None:
    async with entra_site(sqlite_url, fake_microsoft) as site:
        fake_microsoft.user_sign_in.signed_in_as = "stranger@example.gov.uk"
        stranger = await site.to_microsoft_and_back()
        assert stranger.status == 403 and "no staff account" in await stranger.text()
        assert COOKIE_NAME not in stranger.cookies

        fake_microsoft.user_sign_in.signed_in_as = ""
        cancelled = await site.to_microsoft_and_back()
        assert cancelled.status == 401

        fake_microsoft.user_sign_in.signed_in_as = STAFF
        start = await site.client.get(site.url("/sign-in/entra"), allow_redirects=False)
        back = await site.client.get(URL(start.headers["Location"]), allow_redirects=False)
        callback = URL(back.headers["Location"])
        tampered = await site.client.get(callback.update_query(state="not-the-state"), allow_redirects=False)
        assert tampered.status == 401 and COOKIE_NAME not in tampered.cookies
        spent = await site.client.get(callback, allow_redirects=False)  # one attempt per flow
        assert spent.status == 400 and COOKIE_NAME not in spent.cookies

        done = await site.to_microsoft_and_back()
        assert done.status == 303
        replayed = await site.client.get(done.url, allow_redirects=False)
        assert replayed.status == 400 and COOKIE_NAME not in replayed.cookies


async def test_callback_without_the_flow_cookie_is_a_400(
    sqlite_url: str, fake_microsoft: FakeMicrosoft
) -> None:
    async with entra_site(sqlite_url, fake_microsoft) as site:
        response = await site.client.get(
            site.url("/sign-in/entra/callback?code=x&state=y"), allow_redirects=False
        )
        assert response.status == 400 and "expired" in await response.text()


def test_half_configured_entra_is_a_clear_error() -> None:
    from lrs.dashboard.entra import EntraConfig

    assert EntraConfig.from_table({}) is None
    with pytest.raises(ValueError, match=r"staff_sign_in\.tenant_id"):
        EntraConfig.from_table({"client_id": "x", "client_secret": "y"})
