"""User sign-in at the fake Entra ID: the OIDC authorization endpoint and the authorization-code grant
with PKCE (S256), issuing an id_token for whoever `signed_in_as` names (the person at the browser).

The authorize step answers at once with a redirect carrying the code, as if the user had already
signed in at Microsoft; the token step checks the client secret, the redirect URI and the verifier.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt

from tests.fakes.ms_faults import FakeReply, FakeRequest
from tests.fakes.ms_identity import Identity


@dataclass(frozen=True)
class PendingCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    email: str


class UserSignIn:
    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.signed_in_as = ""  # the work e-mail of the person signing in; empty: they cancel
        self.codes: dict[str, PendingCode] = {}
        self.challenge_methods: list[str] = []
        self._key = secrets.token_bytes(32)

    def authorize(self, request: FakeRequest) -> FakeReply:
        query = request.query
        tenant, client_id = request.params["tenant"], query.get("client_id", "")
        if (tenant, client_id) not in self.identity.apps:
            return FakeReply(400, {"error": "unauthorized_client"})
        self.challenge_methods.append(query.get("code_challenge_method", ""))
        redirect = query.get("redirect_uri", "")
        if not self.signed_in_as:
            return _redirect(redirect, error="access_denied", state=query.get("state", ""))
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return _redirect(redirect, error="invalid_request", state=query.get("state", ""))
        code = secrets.token_urlsafe(24)
        self.codes[code] = PendingCode(
            client_id, redirect, query["code_challenge"], query.get("nonce", ""), self.signed_in_as
        )
        return _redirect(redirect, code=code, state=query.get("state", ""))

    def token(self, request: FakeRequest, form: dict[str, Any]) -> FakeReply:
        tenant = request.params["tenant"]
        app = self.identity.apps.get((tenant, str(form.get("client_id", ""))))
        if app is None or app.secret is None or form.get("client_secret") != app.secret:
            return FakeReply(401, {"error": "invalid_client"})
        pending = self.codes.pop(str(form.get("code", "")), None)
        if (
            pending is None
            or pending.client_id != app.client_id
            or pending.redirect_uri != form.get("redirect_uri")
        ):
            return FakeReply(400, {"error": "invalid_grant", "error_description": "unknown or used code"})
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != pending.code_challenge:
            return FakeReply(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        now = int(time.time())
        claims = {
            "iss": f"{self.identity.base_url}/{tenant}/v2.0",
            "aud": app.client_id,
            "tid": tenant,
            "sub": secrets.token_hex(16),
            "oid": hashlib.sha256(pending.email.encode()).hexdigest()[:32],
            "preferred_username": pending.email,
            "nonce": pending.nonce,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
        }
        id_token = jwt.encode(claims, self._key, algorithm="HS256")
        return FakeReply(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "access_token": secrets.token_urlsafe(24),
                "id_token": id_token,
            },
        )


def _redirect(target: str, **params: str) -> FakeReply:
    return FakeReply(302, None, {"Location": f"{target}?{urlencode(params)}"})
