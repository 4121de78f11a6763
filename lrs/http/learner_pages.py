"""What the learner's notification pages share: the signed link in `?t=`, the page language, bounded
form bodies, the security headers and the HTML error page.

No sign-in: the signed, expiring, purpose-bound link (notifications/links.py) is the identity. The
token travels only in the URL's query and in forms, so every page sends `Referrer-Policy: no-referrer`
and no third-party content is loaded.
"""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from aiohttp import web

from lrs.http.context import CLOCK, DATABASE, HASH_KEY
from lrs.http.learner_page_text import PAGE_LANGUAGES, page_text
from notifications.learner_choices import learner_can_choose
from notifications.links import LinkExpired, LinkProblem, verify_token

LEARNER_TEMPLATES = web.AppKey("learner_page_templates", jinja2.Environment)
FORM_LIMIT = 8 * 1024  # bytes: the preferences form is well under 1 KB
FIELD_COUNT_LIMIT = 40
TOKEN_LIMIT = 200


class PageRefused(Exception):
    """Show the error page `code` (a key of the page texts) with this HTTP status."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class LinkHolder:
    learner_id: int
    token: str


def install_learner_templates(app: web.Application) -> None:
    app[LEARNER_TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("lrs", "web/templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )


def page_language(request: web.Request, preferred: str = "en") -> str:
    """`?lang=cy|en` when given (the page's language switch), else the learner's preferred language."""
    asked = request.query.get("lang", "")
    return asked if asked in PAGE_LANGUAGES else (preferred if preferred in PAGE_LANGUAGES else "en")


def link_url(path: str, token: str, **extra: str) -> str:
    return f"{path}?{urlencode({'t': token, **extra})}"


async def link_holder(request: web.Request, purpose: str) -> LinkHolder:
    """The learner the link in `?t=` was made for; PageRefused when it must not be honoured."""
    token = request.query.get("t", "")
    if not token or len(token) > TOKEN_LIMIT:
        raise PageRefused("link_missing", 400)
    try:
        learner_id = verify_token(token, purpose, request.app[HASH_KEY], now=request.app[CLOCK]())
    except LinkExpired:
        raise PageRefused("link_expired", 410) from None
    except LinkProblem:
        raise PageRefused("link_forged", 403) from None
    async with request.app[DATABASE].read_session() as session:
        if not await learner_can_choose(session, learner_id):
            raise PageRefused("learner_gone", 404)
    return LinkHolder(learner_id, token)


async def small_form(request: web.Request) -> dict[str, list[str]]:
    """The POSTed form (urlencoded or multipart), read up to FORM_LIMIT bytes: 413 past it."""
    if request.content_length is not None and request.content_length > FORM_LIMIT:
        raise PageRefused("too_large", 413)
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise PageRefused("too_large", 413)
    if request.content_type == "multipart/form-data":
        return _multipart_fields(bytes(body), request.headers.get("Content-Type", ""))
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise PageRefused("bad_form", 400) from None
    try:
        return parse_qs(text, keep_blank_values=True, max_num_fields=FIELD_COUNT_LIMIT)
    except ValueError:  # more fields than FIELD_COUNT_LIMIT
        raise PageRefused("too_large", 413) from None


def _multipart_fields(body: bytes, content_type: str) -> dict[str, list[str]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace") + body
    )
    found: dict[str, list[str]] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes) and len(found) < FIELD_COUNT_LIMIT:
            found.setdefault(name, []).append(payload.decode("utf-8", "replace"))
    return found


def render_page(
    request: web.Request, template: str, context: Mapping[str, Any], *, lang: str, status: int = 200
) -> web.Response:
    html = (
        request.app[LEARNER_TEMPLATES]
        .get_template(template)
        .render(**context, lang=lang, text=page_text(lang))
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers.update(
        {
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",  # the link's token must not leak to other sites
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
        }
    )
    return response


def refused_page(request: web.Request, refused: PageRefused) -> web.Response:
    lang = page_language(request)
    context = {"code": refused.code, "switch_url": None, "switch_lang": "en"}
    return render_page(
        request,
        "notifications/error.html",
        context,
        lang=lang,
        status=refused.status,
    )
