"""The preferences page over HTTP: a signed link and no sign-in, a CSRF-protected form, GOV.UK error
summaries for bad answers (400, nothing saved), clear 4xx pages for forged, expired or incomplete
links, and a saved change that the next sending decision sees (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import select

from lrs.storage.audit import audit_entries
from lrs.storage.programme_models import LearnerRow
from notifications.preference_form import FIELD_ORDER
from notifications.preferences import Preferences
from notifications.windows import next_send_time
from tests.lrs.notify_pages.support import LEARNERS, LinkSite, link_site

GOOD_FORM = {
    "channel_order": "email,teams",
    "opt_out": "nudge",
    "language": "cy",
    "time_zone": "Europe/Belfast",
    "quiet_start": "17:30",
    "quiet_end": "9:15",
    "working_days": ["mon", "tue", "wed", "thu"],
    "nation": "northern-ireland",
}


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def form_action(html: str) -> str:
    found = re.search(r'<form method="post" action="([^"]+)"', html)
    assert found, "no form on the page"
    return found.group(1).replace("&amp;", "&")


def as_pairs(form: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in form.items() for v in ([values] if isinstance(values, str) else values)]


async def open_form(
    site: LinkSite, client: aiohttp.ClientSession, learner_id: int
) -> tuple[str, str, dict[str, str]]:
    response = await client.get(site.preferences_link(learner_id))
    assert response.status == 200, await response.text()
    html = await response.text()
    return html, form_action(html), form_fields(html)


async def test_the_link_opens_the_form_without_sign_in_with_safe_headers(database_url: str) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        response = await client.get(site.preferences_link(1))
        html = await response.text()
        assert response.status == 200
        assert '<html lang="en-GB"' in html and "Your message preferences" in html
        assert "Invitations and session reminders are always sent" in html
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/notifications/" in cookie
        assert 'value="teams,email" checked' in html and 'value="Europe/London"' in html  # the defaults
        assert LEARNERS[1][1] not in html  # no personal data needed on the page
        assert 'hreflang="cy"' in html  # the page offers Welsh


async def test_welsh_page_by_switch_and_by_the_learners_language(database_url: str) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        html = await (await client.get(site.preferences_link(2) + "&lang=cy")).text()
        assert '<html lang="cy"' in html and "Eich dewisiadau negeseuon" in html
        assert 'hreflang="en"' in html  # and back to English
        form = {**GOOD_FORM, **form_fields(html), "language": "en"}
        saved = await client.post(site.url(form_action(html)), data=as_pairs(form), allow_redirects=False)
        assert saved.status == 303, await saved.text()
        assert "saved=1" in saved.headers["Location"]
        again = await (await client.get(site.url(saved.headers["Location"]))).text()
        assert "Mae eich dewisiadau wedi" in again  # saved banner, in the language the page was in
        assert '<html lang="cy"' in again
        later = await (await client.get(site.preferences_link(1))).text()
        assert '<html lang="en-GB"' in later
        _, action, hidden = await open_form(site, client, 1)
        await client.post(site.url(action), data=as_pairs({**GOOD_FORM, **hidden}), allow_redirects=False)
        later = await (await client.get(site.preferences_link(1))).text()
        assert '<html lang="cy"' in later  # the learner's stored language picks the page's language


async def test_saving_changes_the_next_decision_and_is_audited_without_personal_data(
    database_url: str,
) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        friday_evening = datetime(2026, 12, 11, 17, 45, tzinfo=UTC)
        before = await site.preferences(1)
        assert before == Preferences() and before.allows("nudge")
        assert next_send_time(friday_evening, before) == friday_evening  # before 18:00 London time
        _, action, hidden = await open_form(site, client, 1)
        response = await client.post(
            site.url(action), data=as_pairs({**GOOD_FORM, **hidden}), allow_redirects=False
        )
        assert response.status == 303, await response.text()
        after = await site.preferences(1)
        assert after.channel_order == ("email", "teams") and after.language == "cy"
        assert not after.allows("nudge") and after.allows("reminder") and after.allows("invitation")
        assert (after.quiet_start, after.quiet_end, after.time_zone) == ("17:30", "09:15", "Europe/Belfast")
        assert after.working_days == frozenset({0, 1, 2, 3}) and after.nation == "northern-ireland"
        # Friday is no longer a working day and 17:45 is in quiet hours: the next window is Monday 09:15.
        assert next_send_time(friday_evening, after) == datetime(2026, 12, 14, 9, 15, tzinfo=UTC)
        assert await site.preferences(2) == Preferences()  # only the link's learner changed
        async with site.lrs.database.read_session() as session:
            entries = [
                e for e in await audit_entries(session, limit=10) if e.action.startswith("notifications.")
            ]
        assert [(e.action, e.actor, e.target) for e in entries] == [
            ("notifications.preferences.save", "learner-link", "learner:1")
        ]
        assert "channel_order" in entries[0].detail["changed"]
        logged = repr(entries[0].as_json())
        assert LEARNERS[1][0] not in logged and LEARNERS[1][1] not in logged


async def test_bad_answers_get_an_error_summary_naming_each_field_and_nothing_is_saved(
    database_url: str,
) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        _, action, hidden = await open_form(site, client, 1)
        bad = {
            **hidden,
            "channel_order": "fax",
            "opt_out": ["nudge", "reminder"],
            "language": "fr",
            "time_zone": "Mars/Olympus_Mons",
            "quiet_start": "25:00",
            "quiet_end": "x" * 500,
            "nation": "atlantis",
        }
        response = await client.post(site.url(action), data=as_pairs(bad), allow_redirects=False)
        html = await response.text()
        assert response.status == 400
        assert '<div class="govuk-error-summary"' in html and "There is a problem" in html
        links = re.findall(r'<li><a href="#([a-z_]+)">([^<]+)</a></li>', html)
        assert [field for field, _ in links] == list(FIELD_ORDER)  # every field, in the page's order
        assert ("opt_out", "Invitations and session reminders cannot be switched off") in links
        assert 'id="time_zone-error"' in html and 'value="Mars/Olympus_Mons"' in html  # answers shown again
        assert "<title>Error: " in html
        assert await site.preferences(1) == Preferences()


async def test_the_form_needs_its_csrf_token_cookie_and_our_origin(database_url: str) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        _, action, hidden = await open_form(site, client, 1)
        for form, headers in (
            ({**GOOD_FORM}, {}),  # no token
            ({**GOOD_FORM, **hidden, "csrf_token": "0" * 64}, {}),  # a wrong token
            ({**GOOD_FORM, **hidden}, {"Origin": "https://evil.example"}),  # sent from another site
        ):
            response = await client.post(site.url(action), data=as_pairs(form), headers=headers)
            assert response.status == 403 and "Your form has expired" in await response.text()
        async with aiohttp.ClientSession() as cookieless:  # a browser refusing cookies
            response = await cookieless.post(site.url(action), data=as_pairs({**GOOD_FORM, **hidden}))
            assert response.status == 403
        other_learner_link = site.preferences_link(2)  # the token is bound to the link's learner
        response = await client.post(other_learner_link, data=as_pairs({**GOOD_FORM, **hidden}))
        assert response.status == 403
        assert await site.preferences(1) == Preferences() and await site.preferences(2) == Preferences()


async def test_forged_expired_and_incomplete_links_get_clear_4xx_pages(database_url: str) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        good = site.token(1, "preferences")
        number, purpose, expires, signature = good.split(".")
        cases = {
            "": (400, "This link is not complete"),
            "x" * 5000: (400, "This link is not complete"),
            "nonsense": (403, "This link is not valid"),
            f"2.{purpose}.{expires}.{signature}": (403, "This link is not valid"),  # another learner
            f"{number}.{purpose}.{int(expires) + 999}.{signature}": (403, "This link is not valid"),
            site.token(1, "unsubscribe"): (403, "This link is not valid"),  # made for the other page
            site.token(1, "preferences", lifetime=timedelta(seconds=-1)): (410, "This link has expired"),
            site.token(99, "preferences"): (404, "We cannot find your details"),
            "1.preferences.\x00.x": (400, "NUL"),  # refused before the page by the query guard
        }
        for token, (status, says) in cases.items():
            for method in ("GET", "POST"):
                response = await client.request(
                    method,
                    site.url("/notifications/preferences"),
                    params={"t": token},
                    data={"language": "en"},
                )
                text = await response.text()
                assert response.status == status, (token[:40], method, text[:300])
                assert says in text, (token[:40], method)
        assert await site.preferences(1) == Preferences()


async def test_an_erased_learners_link_no_longer_works(database_url: str) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        async with site.lrs.database.write_session() as session, session.begin():
            row = await session.scalar(select(LearnerRow).where(LearnerRow.id == 1))
            assert row is not None
            row.erased_at = datetime(2026, 12, 1, tzinfo=UTC)
        response = await client.get(site.preferences_link(1))
        assert response.status == 404 and "We cannot find your details" in await response.text()


async def test_oversized_and_overfull_forms_are_refused_with_413(database_url: str) -> None:
    async with link_site(database_url) as site, site.browser() as client:
        _, action, hidden = await open_form(site, client, 1)
        huge = as_pairs({**GOOD_FORM, **hidden, "time_zone": "E" * 20_000})
        response = await client.post(site.url(action), data=huge)
        assert response.status == 413 and "The form was too large" in await response.text()
        crowded = [*as_pairs({**GOOD_FORM, **hidden}), *[("working_days", "mon")] * 60]
        response = await client.post(site.url(action), data=crowded)
        assert response.status == 413
        assert await site.preferences(1) == Preferences()


def test_every_page_text_exists_in_english_and_welsh() -> None:
    from lrs.http.learner_page_text import all_texts
    from notifications.preference_form import CHANNEL_CHOICES, DAY_FIELDS, OFFERED_OPT_OUTS
    from notifications.preferences import NATIONS

    english, welsh = all_texts()["en"], all_texts()["cy"]
    assert set(english) == set(welsh)
    assert all(welsh[key] and welsh[key] != english[key] for key in english if key not in {"time_zone_hint"})
    needed = [f"channel.{c}" for c in CHANNEL_CHOICES] + [f"opt_out.{c}" for c in OFFERED_OPT_OUTS]
    needed += [f"day.{d}" for d in DAY_FIELDS] + [f"nation.{n}" for n in NATIONS]
    assert [key for key in needed if key not in english] == []
