"""The dashboards' HTTP side: templates, the signed-in guard, sign-in and sign-out.

Every /dashboard/ handler is wrapped by `staff_page`: without a valid session it redirects to
/sign-in (remembering where to return); with one it renews the idle timer and hands the handler
the signed-in `Viewer`. Errors render as HTML pages, never JSON.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from lrs.dashboard import sign_in_audit
from lrs.dashboard.entra import EntraSignIn
from lrs.dashboard.sessions import (
    COOKIE_NAME,
    IDLE_SECONDS,
    StaffSession,
    csrf_valid,
    decode_session,
    encode_session,
    new_session,
    seen,
    session_key,
)
from lrs.dashboard.throttle import SignInThrottle
from lrs.dashboard.users import Viewer, end_sessions, signed_in_viewer, viewer_by_id
from lrs.errors import InvalidRequest, NotFound
from lrs.http.context import CLOCK, DATABASE, HASH_KEY
from lrs.http.forwarded import is_https

TEMPLATES = web.AppKey("dashboard_templates", jinja2.Environment)
THROTTLE = web.AppKey("sign_in_throttle", SignInThrottle)
ENTRA = web.AppKey("entra_sign_in", EntraSignIn)  # set when [staff_sign_in] configures Entra ID
STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"
SIGNIN_NONCE = "lrs_signin_nonce"
StaffHandler = Callable[[web.Request, Viewer, StaffSession], Awaitable[web.StreamResponse]]


def install_templates(app: web.Application) -> None:
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("lrs", "web/templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    app[THROTTLE] = SignInThrottle()
    app.router.add_static("/static/govuk/", STATIC_DIR / "govuk")
    app.router.add_static("/static/dashboard/", STATIC_DIR / "dashboard")


def render(
    request: web.Request, template: str, context: Mapping[str, Any], *, status: int = 200
) -> web.Response:
    html = request.app[TEMPLATES].get_template(template).render(**context)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    )
    return response


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def set_session_cookie(request: web.Request, response: web.StreamResponse, staff: StaffSession) -> None:
    response.set_cookie(
        COOKIE_NAME,
        encode_session(staff, session_key(request.app[HASH_KEY])),
        path="/",
        httponly=True,
        secure=is_https(request),
        samesite="Lax",
        max_age=IDLE_SECONDS,
    )


async def current_session(request: web.Request) -> tuple[Viewer, StaffSession] | None:
    value = request.cookies.get(COOKIE_NAME, "")
    staff = decode_session(value, session_key(request.app[HASH_KEY]), request.app[CLOCK]()) if value else None
    if staff is None:
        return None
    async with request.app[DATABASE].read_session() as session:
        viewer = await viewer_by_id(session, staff.user_id)
    if viewer is None or viewer.session_generation != staff.generation:
        return None
    return viewer, staff


def staff_page(handler: StaffHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def guarded(request: web.Request) -> web.StreamResponse:
        signed_in = await current_session(request)
        if signed_in is None:
            raise web.HTTPSeeOther(f"/sign-in?next={quote(request.path_qs, safe='')}")
        viewer, staff = signed_in
        staff = seen(staff, request.app[CLOCK]())
        try:
            response = await handler(request, viewer, staff)
        except (InvalidRequest, NotFound) as err:
            status = 400 if isinstance(err, InvalidRequest) else 404
            response = error_page(request, viewer, staff, status, str(err))
        set_session_cookie(request, response, staff)
        return response

    return guarded


def error_page(
    request: web.Request, viewer: Viewer | None, staff: StaffSession | None, status: int, message: str
) -> web.Response:
    titles = {400: "There is a problem", 403: "You cannot do that", 404: "Page not found"}
    context = {"viewer": viewer, "csrf": staff.csrf if staff else "", "title": titles.get(status, "Error")}
    return render(request, "dashboard/error.html", {**context, "message": message}, status=status)


async def get_sign_in(request: web.Request) -> web.StreamResponse:
    return sign_in_form(request, status=200, error="")


async def post_sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    nonce = request.cookies.get(SIGNIN_NONCE, "")
    if not nonce or not secrets.compare_digest(nonce, str(form.get("csrf_token", ""))):
        await sign_in_audit.audit_sign_in_failed(request, "expired_form")
        return sign_in_form(request, status=400, error="Your sign-in form expired. Try again.")
    email, now = str(form.get("email", "")), request.app[CLOCK]()
    wait = request.app[THROTTLE].retry_after(email, now)
    if wait is not None:
        await sign_in_audit.audit_wrong_password(request, email, throttled=True)
        minutes = max(1, round(wait.total_seconds() / 60))
        return sign_in_form(request, status=429, error=f"Too many attempts. Try again in {minutes} minutes.")
    async with request.app[DATABASE].read_session() as session:
        viewer = await signed_in_viewer(session, email=email, password=str(form.get("password", "")))
    if viewer is None:
        request.app[THROTTLE].failed(email, now)
        await sign_in_audit.audit_wrong_password(request, email)
        return sign_in_form(request, status=401, error="Enter a correct e-mail address and password.")
    request.app[THROTTLE].succeeded(email)
    await sign_in_audit.audit_signed_in(request, viewer.user_id, "password")
    response = see_other(safe_next(str(form.get("next", ""))))
    set_session_cookie(
        request, response, new_session(viewer.user_id, request.app[CLOCK](), viewer.session_generation)
    )
    response.del_cookie(SIGNIN_NONCE, path="/sign-in")
    return response


async def post_sign_out(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    signed_in = await current_session(request)
    if signed_in is not None and not csrf_valid(signed_in[1], str(form.get("csrf_token", ""))):
        return error_page(request, *signed_in, 400, "The sign-out form expired: sign out again.")
    if signed_in is not None:
        async with request.app[DATABASE].write_session() as session, session.begin():
            await end_sessions(session, signed_in[0].user_id)
            await sign_in_audit.audit_signed_out(session, request, signed_in[0].user_id)
    response = see_other("/sign-in?signed_out=1")
    response.del_cookie(COOKIE_NAME, path="/")
    return response


def sign_in_form(request: web.Request, *, status: int, error: str) -> web.Response:
    nonce = secrets.token_urlsafe(24)
    context = {
        "viewer": None,
        "csrf": nonce,
        "title": "Sign in",
        "error": error,
        "next": safe_next(request.query.get("next", "") or ""),
        "signed_out": request.query.get("signed_out") == "1",
        "entra": ENTRA in request.app,
    }
    response = render(request, "dashboard/sign_in.html", context, status=status)
    response.set_cookie(
        SIGNIN_NONCE, nonce, path="/sign-in", httponly=True, secure=is_https(request), samesite="Strict"
    )
    return response


def safe_next(target: str) -> str:
    """Only a local staff page (dashboards, the admin outbox): never an open redirect to another site."""
    local = target == "/admin/outbox" or target.startswith(
        ("/dashboard/", "/admin/outbox?", "/admin/outbox/")
    )
    if local and not target.startswith("//") and "\\" not in target:
        return target
    return "/dashboard/"
