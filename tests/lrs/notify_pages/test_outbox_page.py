"""/admin/outbox: the local channel's files for admins only, newest first, paged and bounded, each
message viewable with its HTML sandboxed (no script runs, nothing loads, nothing is injected)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.lrs.dashboard.support import PASSWORD, csrf_in
from tests.lrs.notify_pages.outbox_support import (
    ADMIN,
    HOSTILE_HTML,
    HR,
    fill_outbox,
    invitation,
    nudge,
    outbox_site,
)


async def test_admins_see_the_outbox_newest_first_in_pages(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    stems = await fill_outbox(folder, [nudge(n) for n in range(1, 31)])
    (folder / "notes.json").write_text("{}")  # foreign files are not listed
    (folder / ("f" * 32 + ".json")).write_text("not json")  # a broken record shows as unreadable
    async with outbox_site(database_url, folder) as site, site.browser() as client:
        await site.sign_in(client, ADMIN)
        first = await client.get(site.url("/admin/outbox"))
        html = await first.text()
        assert first.status == 200, html
        assert "31 messages in the folder. Page 1 of 2." in html
        listed = re.findall(r'href="/admin/outbox/([0-9a-f]{32})"', html)
        assert listed[0] == stems[-1] and listed == list(reversed(stems))[: len(listed)]
        assert "Module 1 is due soon (30)" in html and "module due" in html
        assert 'rel="next"' in html and 'rel="prev"' not in html
        second = await (await client.get(site.url("/admin/outbox?page=2"))).text()
        later = re.findall(r'href="/admin/outbox/([0-9a-f]{32})"', second)
        assert set(listed) | set(later) == set(stems) and not set(listed) & set(later)
        assert "could not be read" in html + second
        for query, field in (
            ("page=0", "page"),
            ("page=401", "page"),
            ("page=abc", "page"),
            ("sort=x", "sort"),
        ):
            response = await client.get(site.url(f"/admin/outbox?{query}"))
            assert response.status == 400, query
            assert field in await response.text()
        beyond = await client.get(site.url("/admin/outbox?page=3"))
        assert (
            beyond.status == 200
            and re.findall(r'href="/admin/outbox/[0-9a-f]{32}"', await beyond.text()) == []
        )


async def test_a_message_view_escapes_text_and_sandboxes_html(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    hostile, invite = await fill_outbox(folder, [nudge(1, html=HOSTILE_HTML), invitation()])
    async with outbox_site(database_url, folder) as site, site.browser() as client:
        await site.sign_in(client, ADMIN)
        page = await client.get(site.url(f"/admin/outbox/{hostile}"))
        html = await page.text()
        assert page.status == 200
        assert "&lt;b&gt;not bold&lt;/b&gt;" in html and "<b>not bold</b>" not in html
        assert "<script>" not in html and "tracker.example" not in html
        assert f'<iframe class="app-message-html" sandbox src="/admin/outbox/{hostile}/message.html"' in html
        assert "List-Unsubscribe" in html and "learner1@ashvale.gov.uk" in html
        raw = await client.get(site.url(f"/admin/outbox/{hostile}/message.html"))
        assert raw.status == 200 and raw.headers["Content-Security-Policy"].startswith("sandbox;")
        assert "default-src 'none'" in raw.headers["Content-Security-Policy"]
        assert raw.headers["X-Frame-Options"] == "SAMEORIGIN"
        eml = await client.get(site.url(f"/admin/outbox/{hostile}/message.eml"))
        assert eml.status == 200 and eml.content_type == "message/rfc822"
        assert b"Subject: Module 1 is due soon (1)" in await eml.read()
        shown = await (await client.get(site.url(f"/admin/outbox/{invite}"))).text()
        assert "Calendar invitation" in shown and "cohort-lrs:c1:review:learner-1 (sequence 1)" in shown
        no_html = await client.get(site.url(f"/admin/outbox/{invite}/message.html"))
        assert no_html.status == 404
        for path in ("/admin/outbox/" + "0" * 32, "/admin/outbox/..%2F..%2Fetc%2Fpasswd", "/admin/outbox/ZZ"):
            missing = await client.get(site.url(path))
            assert missing.status == 404, path
            assert "Page not found" in await missing.text()


async def test_only_signed_in_admins_get_in(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    (stem,) = await fill_outbox(folder, [nudge(1)])
    async with outbox_site(database_url, folder) as site:
        async with site.browser() as anonymous:
            response = await anonymous.get(site.url("/admin/outbox?page=1"), allow_redirects=False)
            assert response.status == 303
            form = await (await anonymous.get(site.url(response.headers["Location"]))).text()
            back_to = re.search(r'name="next" value="([^"]+)"', form)
            assert back_to and back_to.group(1) == "/admin/outbox?page=1"
            signed_in = await anonymous.post(
                site.url("/sign-in"),
                data={
                    "email": ADMIN,
                    "password": PASSWORD,
                    "csrf_token": csrf_in(form),
                    "next": back_to.group(1),
                },
                allow_redirects=False,
            )
            assert signed_in.headers["Location"] == "/admin/outbox?page=1"  # back where they were going
        async with site.browser() as hr:
            await site.sign_in(hr, HR)
            for path in ("/admin/outbox", f"/admin/outbox/{stem}", f"/admin/outbox/{stem}/message.html",
                         f"/admin/outbox/{stem}/message.eml"):  # fmt: skip
                response = await hr.get(site.url(path))
                assert response.status == 403, path
                assert "learner1@" not in await response.text()


async def test_an_empty_or_missing_folder_says_so(database_url: str, tmp_path: Path) -> None:
    async with outbox_site(database_url, tmp_path / "never-written") as site, site.browser() as client:
        await site.sign_in(client, ADMIN)
        html = await (await client.get(site.url("/admin/outbox"))).text()
        assert "The outbox is empty" in html and str(tmp_path / "never-written") in html
