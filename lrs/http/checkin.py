"""The facilitator's check-in page: GET shows the session register, POST saves the marks.

Server-rendered HTML that works without JavaScript. Access is a signed per-session link
(`lrs attendance checkin-link`); form posts carry a CSRF token tied to a SameSite cookie nonce.
Errors render as HTML pages here (a phone should never see JSON or a Basic-auth prompt).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from lrs.attendance.checkin import (
    MARK_FIELD_PREFIX,
    FacilitatorLink,
    LinkRejected,
    checkin_marks,
    checkin_path,
    csrf_matches,
    csrf_token,
    link_id,
    link_key,
    mark_counts,
    register_lines,
    verify_link,
)
from lrs.attendance.marks import MarkAction, current_marks, record_marks
from lrs.attendance.revocations import checkin_link_revoked
from lrs.attendance.sessions import SessionDirectory, SessionPlan, StoredSessionDirectory
from lrs.attendance.statements import Mark
from lrs.digits import is_whole_number
from lrs.errors import Conflict, InvalidRequest, LrsError, NotFound
from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS
from lrs.http.forwarded import is_https
from lrs.statement_service import system_writer

# Tests and deployments without the programme store may provide their own directory.
SESSION_DIRECTORY: web.AppKey[SessionDirectory] = web.AppKey("session_directory")
TEMPLATES = web.AppKey("checkin_templates", jinja2.Environment)
NONCE_COOKIE = "checkin_nonce"
_STATUS_FOR = {NotFound: 404, Conflict: 409, InvalidRequest: 400}


def add_checkin_routes(app: web.Application) -> None:
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("lrs", "web/templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("/checkin/{session}", get_checkin)
    app.router.add_post("/checkin/{session}", post_checkin)


def session_directory(app: web.Application) -> SessionDirectory:
    return app.get(SESSION_DIRECTORY) or StoredSessionDirectory(app[DATABASE])


async def get_checkin(request: web.Request) -> web.StreamResponse:
    session_id = request.match_info["session"]
    try:
        link = await _link(request, session_id, request.query.get("token", ""))
        plan = await session_directory(request.app).session_plan(session_id)
    except (LinkRejected, LrsError) as err:
        return _error_page(request, err)
    nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(24)
    saved = request.query.get("saved", "")
    response = await _register_page(request, plan, link, request.query["token"], nonce, saved=saved)
    response.set_cookie(
        NONCE_COOKIE, nonce, path="/checkin/", httponly=True, samesite="Strict", secure=is_https(request)
    )
    return response


async def post_checkin(request: web.Request) -> web.StreamResponse:
    session_id = request.match_info["session"]
    form = {key: value for key, value in (await request.post()).items() if isinstance(value, str)}
    key = link_key(request.app[HASH_KEY])
    token = form.get("token", "")
    try:
        link = await _link(request, session_id, token)
        _check_csrf(request, key, session_id, form.get("csrf_token", ""))
        plan = await session_directory(request.app).session_plan(session_id)
        marks = checkin_marks(plan, form, link.facilitator)
        outcomes = await record_marks(
            request.app[DATABASE],
            plan.session,
            marks,
            writer=system_writer(request.app[SETTINGS].base_url),
            clock=request.app[CLOCK],
        )
    except (LinkRejected, LrsError) as err:
        return _error_page(request, err)
    changed = sum(1 for outcome in outcomes if outcome.action is not MarkAction.UNCHANGED)
    raise web.HTTPSeeOther(f"{checkin_path(session_id, token)}&saved={changed}")


async def _link(request: web.Request, session_id: str, token: str) -> FacilitatorLink:
    key = link_key(request.app[HASH_KEY])
    link = verify_link(token, key, session_id=session_id, now=request.app[CLOCK]())
    async with request.app[DATABASE].read_session() as session:
        if await checkin_link_revoked(session, link_id(token)):
            raise LinkRejected("This check-in link has been withdrawn. Ask the programme team for a new one.")
    return link


class _CsrfRejected(LrsError):
    """The form did not come from this page in this browser."""


def _check_csrf(request: web.Request, key: bytes, session_id: str, submitted: str) -> None:
    origin = request.headers.get("Origin")
    # Behind a TLS-terminating proxy the request looks like http://; the public URL is the real origin.
    public = urlsplit(request.app[SETTINGS].base_url)
    ours = {f"{request.scheme}://{request.host}", f"{public.scheme}://{public.netloc}"}
    if origin and origin != "null" and origin not in ours:
        raise _CsrfRejected("This form was sent from another site, so nothing was saved.")
    if not csrf_matches(key, request.cookies.get(NONCE_COOKIE, ""), session_id, submitted):
        raise _CsrfRejected(
            "This form has expired or was not sent from the check-in page. Nothing was saved."
        )


async def _register_page(
    request: web.Request, plan: SessionPlan, link: FacilitatorLink, token: str, nonce: str, *, saved: str
) -> web.Response:
    current = await current_marks(request.app[DATABASE], plan.session, (a.email for a in plan.attendees))
    lines = register_lines(plan, current)
    session = plan.session
    context = {
        "session": session,
        "starts": session.start.astimezone(ZoneInfo(session.timezone)),
        "ends": session.end.astimezone(ZoneInfo(session.timezone)),
        "facilitator": link.facilitator,
        "lines": lines,
        "counts": mark_counts(lines),
        "marks": list(Mark),
        "field_prefix": MARK_FIELD_PREFIX,
        "token": token,
        "csrf_token": csrf_token(link_key(request.app[HASH_KEY]), nonce, session.id),
        "saved": int(saved) if is_whole_number(saved) else None,
        "expires": link.expires,
    }
    return _render(request, "checkin/register.html", context, status=200)


def _error_page(request: web.Request, err: Exception) -> web.Response:
    status = 403 if isinstance(err, LinkRejected | _CsrfRejected) else _STATUS_FOR.get(type(err), 400)
    message = err.message if isinstance(err, InvalidRequest) else str(err)
    return _render(request, "checkin/error.html", {"message": message, "status": status}, status=status)


def _render(request: web.Request, name: str, context: Mapping[str, Any], *, status: int) -> web.Response:
    style_nonce = secrets.token_urlsafe(16)
    html = request.app[TEMPLATES].get_template(name).render(**context, style_nonce=style_nonce)
    headers = {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",  # the link's token must not leak to other sites
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{style_nonce}'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
    }
    return web.Response(status=status, text=html, content_type="text/html", headers=headers)
