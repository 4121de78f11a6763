"""One-click unsubscribe (RFC 8058) at /notifications/unsubscribe?t=TOKEN.

POST with the body `List-Unsubscribe=One-Click` (urlencoded or multipart, as RFC 8058 allows) opts
the learner out of nudges at once and answers 200: no cookie, no CSRF token, no sign-in; the signed
link (purpose "unsubscribe") is the authority. GET never changes anything (mail scanners open links):
it shows what will stop and a button that sends that same POST. Invitations and reminders still go.
Each unsubscribe is audit-logged with the learner's number only.
"""

from __future__ import annotations

from aiohttp import web

from lrs.http.context import CLOCK, DATABASE, HASH_KEY
from lrs.http.learner_pages import (
    PageRefused,
    link_holder,
    link_url,
    page_language,
    refused_page,
    render_page,
    small_form,
)
from notifications.learner_choices import current_preferences, unsubscribe_from_nudges
from notifications.links import make_token

UNSUBSCRIBE_PATH = "/notifications/unsubscribe"
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


async def get_unsubscribe(request: web.Request) -> web.StreamResponse:
    try:
        holder = await link_holder(request, "unsubscribe")
    except PageRefused as refused:
        return refused_page(request, refused)
    async with request.app[DATABASE].read_session() as session:
        stored = await current_preferences(session, holder.learner_id)
    lang = page_language(request, stored.language)
    other = "cy" if lang == "en" else "en"
    context = {
        "action": link_url(UNSUBSCRIBE_PATH, holder.token, via="page", lang=lang),
        "switch_url": link_url(UNSUBSCRIBE_PATH, holder.token, lang=other),
        "switch_lang": other,
        "field": ONE_CLICK_FIELD,
        "value": ONE_CLICK_VALUE,
        "preferences_url": _preferences_link(request, holder.learner_id, lang),
    }
    return render_page(request, "notifications/unsubscribe.html", context, lang=lang)


async def post_unsubscribe(request: web.Request) -> web.StreamResponse:
    try:
        holder = await link_holder(request, "unsubscribe")
        form = await small_form(request)
        if form.get(ONE_CLICK_FIELD) != [ONE_CLICK_VALUE]:
            raise PageRefused("not_one_click", 400)
    except PageRefused as refused:
        return refused_page(request, refused)
    how = "page" if request.query.get("via") == "page" else "one-click"
    async with request.app[DATABASE].write_session() as session, session.begin():
        await unsubscribe_from_nudges(session, holder.learner_id, now=request.app[CLOCK](), how=how)
        stored = await current_preferences(session, holder.learner_id)
    lang = page_language(request, stored.language)
    context = {
        "switch_url": None,
        "switch_lang": "cy" if lang == "en" else "en",
        "preferences_url": _preferences_link(request, holder.learner_id, lang),
    }
    return render_page(request, "notifications/unsubscribed.html", context, lang=lang)


def _preferences_link(request: web.Request, learner_id: int, lang: str) -> str:
    token = make_token(learner_id, "preferences", request.app[HASH_KEY], now=request.app[CLOCK]())
    return link_url("/notifications/preferences", token, lang=lang)
