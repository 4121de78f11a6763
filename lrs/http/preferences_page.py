"""GET/POST /notifications/preferences?t=TOKEN: the learner's message preferences, no sign-in.

The signed link (notifications/links.py, purpose "preferences") says who the learner is. The form
works without JavaScript; its POST carries a CSRF token bound to the learner and to a nonce in a
SameSite=Strict cookie, and must come from this site (Origin). Problems re-show the form with a
GOV.UK error summary (400); a save redirects to the page with a success banner. The change applies to
the next decision the sender makes, since it reads preferences when it sends.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS
from lrs.http.forwarded import is_https
from lrs.http.learner_pages import (
    LinkHolder,
    PageRefused,
    install_learner_templates,
    link_holder,
    link_url,
    page_language,
    refused_page,
    render_page,
    small_form,
)
from lrs.http.unsubscribe_page import UNSUBSCRIBE_PATH, get_unsubscribe, post_unsubscribe
from notifications.learner_choices import current_preferences, save_from_page
from notifications.preference_form import (
    CHANNEL_CHOICES,
    DAY_FIELDS,
    FIELD_ORDER,
    OFFERED_OPT_OUTS,
    FieldProblem,
    FormValues,
    form_values,
    known_time_zones,
    parse_preferences,
    submitted_values,
)
from notifications.preferences import LANGUAGES, NATIONS, PreferenceProblem

PREFERENCES_PATH = "/notifications/preferences"
NONCE_COOKIE = "lrs_prefs_nonce"


def add_learner_notification_routes(app: web.Application) -> None:
    install_learner_templates(app)
    app.router.add_get(PREFERENCES_PATH, get_preferences)
    app.router.add_post(PREFERENCES_PATH, post_preferences)
    app.router.add_get(UNSUBSCRIBE_PATH, get_unsubscribe)
    app.router.add_post(UNSUBSCRIBE_PATH, post_unsubscribe)


def csrf_token(key: bytes, learner_id: int, nonce: str) -> str:
    return hmac.new(key, f"preferences-form:{learner_id}:{nonce}".encode(), hashlib.sha256).hexdigest()


async def get_preferences(request: web.Request) -> web.StreamResponse:
    try:
        holder = await link_holder(request, "preferences")
    except PageRefused as refused:
        return refused_page(request, refused)
    async with request.app[DATABASE].read_session() as session:
        stored = await current_preferences(session, holder.learner_id)
    nonce = request.cookies.get(NONCE_COOKIE, "")
    if not 20 <= len(nonce) <= 64:
        nonce = secrets.token_urlsafe(24)
    lang = page_language(request, stored.language)
    saved = request.query.get("saved") == "1"
    response = _form_page(request, holder, nonce, form_values(stored), [], lang=lang, saved=saved)
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        path="/notifications/",
        httponly=True,
        samesite="Strict",
        secure=is_https(request),
    )
    return response


async def post_preferences(request: web.Request) -> web.StreamResponse:
    try:
        holder = await link_holder(request, "preferences")
        form = await small_form(request)
        _check_csrf(request, holder, _one(form, "csrf_token"))
    except PageRefused as refused:
        return refused_page(request, refused)
    lang = _one(form, "page_lang") if _one(form, "page_lang") in LANGUAGES else "en"
    now = request.app[CLOCK]()
    async with request.app[DATABASE].write_session() as session, session.begin():
        stored = await current_preferences(session, holder.learner_id)
        chosen, problems = parse_preferences(form, stored)
        if chosen is not None:
            try:
                await save_from_page(session, holder.learner_id, chosen, now=now)
            except PreferenceProblem as err:  # the store's own check: name its field
                problems = [FieldProblem(_form_field(str(err).partition(":")[0]), "invalid")]
    if problems:
        nonce = request.cookies.get(NONCE_COOKIE, "")
        return _form_page(request, holder, nonce, submitted_values(form), problems, lang=lang, status=400)
    raise web.HTTPSeeOther(link_url(PREFERENCES_PATH, holder.token, saved="1", lang=lang))


def _form_field(preference_field: str) -> str:
    named = {"opted_out": "opt_out"}.get(preference_field, preference_field)
    return named if named in FIELD_ORDER else FIELD_ORDER[0]


def _one(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


def _check_csrf(request: web.Request, holder: LinkHolder, submitted: str) -> None:
    origin = request.headers.get("Origin")
    public = urlsplit(request.app[SETTINGS].base_url)
    ours = {f"{request.scheme}://{request.host}", f"{public.scheme}://{public.netloc}"}
    if origin and origin != "null" and origin not in ours:
        raise PageRefused("form_expired", 403)
    nonce = request.cookies.get(NONCE_COOKIE, "")
    expected = csrf_token(request.app[HASH_KEY], holder.learner_id, nonce)
    if not nonce or not submitted or not hmac.compare_digest(expected, submitted):
        raise PageRefused("form_expired", 403)


def _form_page(
    request: web.Request,
    holder: LinkHolder,
    nonce: str,
    values: FormValues,
    problems: list[FieldProblem],
    *,
    lang: str,
    saved: bool = False,
    status: int = 200,
) -> web.Response:
    other = "cy" if lang == "en" else "en"
    context = {
        "action": link_url(PREFERENCES_PATH, holder.token),
        "switch_url": link_url(PREFERENCES_PATH, holder.token, lang=other),
        "switch_lang": other,
        "csrf_token": csrf_token(request.app[HASH_KEY], holder.learner_id, nonce),
        "values": values,
        "problems": problems,
        "problem_for": {problem.field: problem.code for problem in problems},
        "saved": saved and not problems,
        "channel_choices": CHANNEL_CHOICES,
        "opt_outs": OFFERED_OPT_OUTS,
        "languages": LANGUAGES,
        "days": DAY_FIELDS,
        "nations": NATIONS,
        "time_zones": known_time_zones(),
    }
    return render_page(request, "notifications/preferences.html", context, lang=lang, status=status)
