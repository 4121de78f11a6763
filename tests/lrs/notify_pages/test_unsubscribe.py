"""One-click unsubscribe (RFC 8058) over HTTP: the POST a mail provider sends (no cookie, no CSRF
token, urlencoded or multipart) opts the learner out of nudges at once and answers 200; GET only shows
a confirmation page whose button sends that POST; bad bodies and bad links get 4xx, never 500."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp

from lrs.storage.audit import audit_entries
from notifications.preferences import Preferences
from tests.lrs.notify_pages.support import LEARNERS, LinkSite, link_site

ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def unsubscribe_audit(site: LinkSite) -> list[dict[str, object]]:
    async with site.lrs.database.read_session() as session:
        entries = await audit_entries(session, limit=20)
    return [entry.as_json() for entry in reversed(entries) if entry.action == "notifications.unsubscribe"]


async def test_one_click_post_opts_out_of_nudges_only_and_is_audited(database_url: str) -> None:
    async with link_site(database_url) as site, aiohttp.ClientSession() as provider:
        link = site.unsubscribe_link(1)
        response = await provider.post(link, data=ONE_CLICK, headers=FORM)
        assert response.status == 200, await response.text()
        assert "You will not get any more nudges" in await response.text()
        assert "Set-Cookie" not in response.headers
        prefs = await site.preferences(1)
        assert prefs.opted_out == frozenset({"nudge"})
        assert not prefs.allows("nudge") and prefs.allows("reminder") and prefs.allows("invitation")
        assert await site.preferences(2) == Preferences()
        again = await provider.post(link, data=ONE_CLICK, headers=FORM)  # providers may retry
        assert again.status == 200
        entries = await unsubscribe_audit(site)
        assert [(e["actor"], e["target"], e["detail"]) for e in entries] == [
            ("learner-link", "learner:1", {"category": "nudge", "how": "one-click", "already": False}),
            ("learner-link", "learner:1", {"category": "nudge", "how": "one-click", "already": True}),
        ]
        for name, email in LEARNERS.values():
            assert name not in repr(entries) and email not in repr(entries)


async def test_one_click_as_multipart_keeps_other_choices(database_url: str) -> None:
    async with link_site(database_url) as site, aiohttp.ClientSession() as provider:
        async with site.lrs.database.write_session() as session, session.begin():
            from notifications.preferences import save_preferences

            chosen = Preferences(language="cy", opted_out=frozenset({"congratulation"}))
            await save_preferences(session, 2, chosen, now=site.clock[0])
        body = aiohttp.FormData()
        body.add_field("List-Unsubscribe", "One-Click")
        response = await provider.post(site.unsubscribe_link(2), data=body(), headers={})
        assert response.status == 200
        assert '<html lang="cy"' in await response.text()  # the learner's language
        prefs = await site.preferences(2)
        assert prefs.opted_out == frozenset({"nudge", "congratulation"}) and prefs.language == "cy"


async def test_get_changes_nothing_and_its_button_sends_the_one_click_post(database_url: str) -> None:
    async with link_site(database_url) as site, aiohttp.ClientSession() as browser:
        response = await browser.get(site.unsubscribe_link(1))
        html = await response.text()
        assert response.status == 200 and "Stop nudges" in html
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert await site.preferences(1) == Preferences()  # a mail scanner opening the link stops nothing
        action = re.search(r'<form method="post" action="([^"]+)"', html)
        assert action and 'name="List-Unsubscribe" value="One-Click"' in html
        preferences_link = re.search(r'href="(/notifications/preferences\?[^"]+)"', html)
        assert preferences_link, "the page links to the preferences page"
        pressed = await browser.post(
            site.url(action.group(1).replace("&amp;", "&")), data={"List-Unsubscribe": "One-Click"}
        )
        assert pressed.status == 200
        assert (await site.preferences(1)).opted_out == frozenset({"nudge"})
        assert [e["detail"]["how"] for e in await unsubscribe_audit(site)] == ["page"]  # type: ignore[index]
        prefs_page = await browser.get(site.url(preferences_link.group(1).replace("&amp;", "&")))
        assert prefs_page.status == 200 and 'value="nudge" checked' in await prefs_page.text()


async def test_bad_bodies_and_bad_links_are_4xx_and_change_nothing(database_url: str) -> None:
    async with link_site(database_url) as site, aiohttp.ClientSession() as provider:
        link = site.unsubscribe_link(1)
        for body in (
            "",
            "List-Unsubscribe=Yes",
            "unsubscribe=1",
            "List-Unsubscribe=One-Click&List-Unsubscribe=x",
        ):
            response = await provider.post(link, data=body, headers=FORM)
            assert response.status == 400, body
            assert "This is not a one-click unsubscribe" in await response.text()
        response = await provider.post(link, data="List-Unsubscribe=One-Click&" + "x" * 10_000, headers=FORM)
        assert response.status == 413
        response = await provider.post(link, data=b"\xff\xfe=1", headers=FORM)
        assert response.status == 400 and "The form could not be read" in await response.text()
        base = site.url("/notifications/unsubscribe")
        for token, status in (
            ("", 400),
            ("forged", 403),
            (site.token(1, "preferences"), 403),
            (site.token(1, "unsubscribe", lifetime=timedelta(seconds=-1)), 410),
            (site.token(42, "unsubscribe"), 404),
        ):
            for method in ("GET", "POST"):
                response = await provider.request(
                    method, base, params={"t": token}, data=ONE_CLICK, headers=FORM
                )
                assert response.status == status, (token, method)
                assert "<h1" in await response.text()  # an HTML page, not a stack trace or JSON
        assert await site.preferences(1) == Preferences() and await unsubscribe_audit(site) == []
