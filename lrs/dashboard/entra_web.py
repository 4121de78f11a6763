"""The browser side of Entra ID sign-in: /sign-in/entra sends the browser to Microsoft, and
/sign-in/entra/callback finishes the flow and starts a staff session for the matching account.

The flow (state, nonce, PKCE verifier, where to return) waits in a signed HttpOnly cookie for ten
minutes, on the callback's path only; SameSite=Lax, because the return is a top-level navigation
from Microsoft's site.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from lrs.dashboard.entra import EntraConfig, EntraRejected, EntraSignIn
from lrs.dashboard.sessions import new_session
from lrs.dashboard.sign_in_audit import audit_sign_in_failed, audit_signed_in
from lrs.dashboard.users import viewer_by_email
from lrs.dashboard.web import ENTRA, safe_next, see_other, set_session_cookie, sign_in_form
from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS
from lrs.http.forwarded import is_https

FLOW_COOKIE = "lrs_entra_flow"
CALLBACK_PATH = "/sign-in/entra/callback"
FLOW_SECONDS = 600


def install_entra(app: web.Application) -> None:
    config = EntraConfig.from_table(app[SETTINGS].staff_sign_in)
    if config is None:
        return
    app[ENTRA] = EntraSignIn(config)
    app.cleanup_ctx.append(_close_entra)
    app.router.add_get("/sign-in/entra", start_entra)
    app.router.add_get(CALLBACK_PATH, finish_entra)


async def _close_entra(app: web.Application) -> AsyncIterator[None]:
    yield
    app[ENTRA].close()


async def start_entra(request: web.Request) -> web.StreamResponse:
    auth_uri, flow = await request.app[ENTRA].start(_redirect_uri(request))
    flow["lrs_next"] = safe_next(request.query.get("next", ""))
    flow["lrs_at"] = int(request.app[CLOCK]().timestamp())
    response = see_other(auth_uri)
    response.set_cookie(
        FLOW_COOKIE,
        _seal(flow, _flow_key(request)),
        path=CALLBACK_PATH,
        httponly=True,
        secure=is_https(request),
        samesite="Lax",
        max_age=FLOW_SECONDS,
    )
    return response


async def finish_entra(request: web.Request) -> web.StreamResponse:
    """One attempt per flow: the flow cookie is spent whatever the outcome."""
    response = await _finish(request)
    response.del_cookie(FLOW_COOKIE, path=CALLBACK_PATH)
    return response


async def _finish(request: web.Request) -> web.Response:
    flow = _unseal(request.cookies.get(FLOW_COOKIE, ""), _flow_key(request))
    now = int(request.app[CLOCK]().timestamp())
    if flow is None or now - int(flow.get("lrs_at", 0)) > FLOW_SECONDS:
        await audit_sign_in_failed(request, "expired_form", method="entra")
        return sign_in_form(request, status=400, error="Your Microsoft sign-in expired. Try again.")
    target = str(flow.pop("lrs_next", "/dashboard/"))
    flow.pop("lrs_at", None)
    try:
        email = await request.app[ENTRA].finish(flow, request.query)
    except EntraRejected:
        await audit_sign_in_failed(request, "entra_rejected", method="entra")
        return sign_in_form(request, status=401, error="Microsoft sign-in did not complete. Try again.")
    async with request.app[DATABASE].read_session() as session:
        viewer = await viewer_by_email(session, email)
    if viewer is None:
        await audit_sign_in_failed(request, "no_account", method="entra")
        return sign_in_form(
            request, status=403, error="There is no staff account for your Microsoft account."
        )
    await audit_signed_in(request, viewer.user_id, "entra")
    response = see_other(target)
    set_session_cookie(
        request, response, new_session(viewer.user_id, request.app[CLOCK](), viewer.session_generation)
    )
    return response


def _redirect_uri(request: web.Request) -> str:
    public = request.app[SETTINGS].public_url.rstrip("/")
    return (public or f"{request.scheme}://{request.host}") + CALLBACK_PATH


def _flow_key(request: web.Request) -> bytes:
    return hmac.new(request.app[HASH_KEY], b"entra-sign-in-flow", hashlib.sha256).digest()


def _seal(data: dict[str, Any], key: bytes) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    signature = base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).decode()
    return f"{payload}.{signature.rstrip('=')}"


def _unseal(value: str, key: bytes) -> dict[str, Any] | None:
    payload, _, signature = value.partition(".")
    expected = base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).decode()
    if not signature or not hmac.compare_digest(signature, expected.rstrip("=")):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None
