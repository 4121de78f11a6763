"""/admin/outbox: what the `local` channel wrote (var/outbox/ by default), for staff signed in as admin.

- GET /admin/outbox?page=N: the messages, newest first, PAGE_SIZE a page.
- GET /admin/outbox/{stem}: one message: its headers, plain text, invitation, and its HTML shown in a
  sandboxed frame.
- GET /admin/outbox/{stem}/message.html: that HTML on its own, under a CSP sandbox with no scripts,
  no network and no same-origin rights, so a message's markup can never act on the dashboard.
- GET /admin/outbox/{stem}/message.eml: the .eml as written, to open in a mail program.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from lrs.dashboard.outbox import MAX_PAGE, outbox_eml, outbox_folder, outbox_message, outbox_page
from lrs.dashboard.sessions import StaffSession
from lrs.dashboard.users import Viewer
from lrs.dashboard.web import error_page, render
from lrs.errors import InvalidRequest, NotFound
from lrs.http.context import SETTINGS

NOT_ADMIN = "The outbox is for admins: ask an admin if you need to see a message."


async def outbox_list(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    if not viewer.is_admin:
        return error_page(request, viewer, staff, 403, NOT_ADMIN)
    unknown = set(request.query) - {"page"}
    if unknown:
        raise InvalidRequest(sorted(unknown)[0], "unknown parameter (known: page)")
    page = _page_number(request.query.get("page", "1"))
    folder = outbox_folder(request.app[SETTINGS].connectors)
    found = await asyncio.to_thread(outbox_page, folder, page)
    context = {"viewer": viewer, "csrf": staff.csrf, "title": "Outbox", "outbox": found}
    return render(request, "dashboard/outbox.html", context)


def _page_number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text[:6]) <= MAX_PAGE:
        raise InvalidRequest("page", f"must be a whole number from 1 to {MAX_PAGE}")
    return int(text)


async def outbox_one(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    if not viewer.is_admin:
        return error_page(request, viewer, staff, 403, NOT_ADMIN)
    stem = request.match_info["stem"]
    folder = outbox_folder(request.app[SETTINGS].connectors)
    message = await asyncio.to_thread(outbox_message, folder, stem)
    if message is None:
        raise NotFound(f"no message {stem[:40]!r} in the outbox")
    subject = message.subject or "(no subject)"
    context = {"viewer": viewer, "csrf": staff.csrf, "title": f"Outbox: {subject}", "message": message}
    return render(request, "dashboard/outbox_message.html", context)


async def outbox_html(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    if not viewer.is_admin:
        return error_page(request, viewer, staff, 403, NOT_ADMIN)
    folder = outbox_folder(request.app[SETTINGS].connectors)
    message = await asyncio.to_thread(outbox_message, folder, request.match_info["stem"])
    if message is None or not message.html:
        raise NotFound("this message has no HTML part")
    return web.Response(
        text=message.html,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "SAMEORIGIN",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                "frame-ancestors 'self'; form-action 'none'; base-uri 'none'"
            ),
        },
    )


async def outbox_download(request: web.Request, viewer: Viewer, staff: StaffSession) -> web.StreamResponse:
    if not viewer.is_admin:
        return error_page(request, viewer, staff, 403, NOT_ADMIN)
    folder = outbox_folder(request.app[SETTINGS].connectors)
    stem = request.match_info["stem"]
    data = await asyncio.to_thread(outbox_eml, folder, stem)
    if data is None:
        raise NotFound(f"no message {stem[:40]!r} in the outbox")
    return web.Response(
        body=data,
        content_type="message/rfc822",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.eml"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
