"""The identity endpoints msal uses: OIDC discovery and the client-credentials token endpoint.

Client assertions (certificate credentials) are verified against the registered certificate:
signature, audience, issuer/subject and the x5t / x5t#S256 thumbprint header.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from tests.fakes.ms_faults import FakeReply, FakeRequest

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class AppRegistration:
    tenant: str
    client_id: str
    secret: str | None = None
    certificate: x509.Certificate | None = None


@dataclass(frozen=True)
class IssuedToken:
    tenant: str
    client_id: str
    audience: str
    expires_at: float


def _oauth_error(status: int, code: str, description: str, aadsts: int | None = None) -> FakeReply:
    body: dict[str, Any] = {"error": code, "error_description": description}
    if aadsts is not None:  # Entra's shape: the code leads the description and is listed in error_codes
        body["error_description"] = f"AADSTS{aadsts}: {description}"
        body["error_codes"] = [aadsts]
    return FakeReply(status, body)


class Identity:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.apps: dict[tuple[str, str], AppRegistration] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.token_lifetime = 3600
        self.issued = 0
        # Resources (token audiences) this tenant knows; any other /.default scope is AADSTS500011.
        self.resources = {base_url, "https://graph.microsoft.com", "https://api.botframework.com"}

    def register(self, app: AppRegistration) -> None:
        self.apps[(app.tenant, app.client_id)] = app

    def revoke_all(self) -> None:
        self.tokens.clear()

    def token_endpoint(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/oauth2/v2.0/token"

    def openid_configuration(self, request: FakeRequest) -> FakeReply:
        tenant = request.params["tenant"]
        if not any(key[0] == tenant for key in self.apps):
            return _oauth_error(400, "invalid_tenant", f"Tenant '{tenant}' not found.")
        return FakeReply(
            200,
            {
                "issuer": f"{self.base_url}/{tenant}/v2.0",
                "authorization_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": self.token_endpoint(tenant),
            },
        )

    def token(self, request: FakeRequest) -> FakeReply:
        form = request.body if isinstance(request.body, dict) else {}
        tenant = request.params["tenant"]
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials")
        app = self.apps.get((tenant, str(form.get("client_id", ""))))
        if app is None:
            return _oauth_error(400, "unauthorized_client", "application not found in tenant")
        problem = self._credential_problem(app, form)
        if problem:
            return _oauth_error(401, "invalid_client", problem)
        scope = str(form.get("scope", ""))
        resource = next((s[: -len("/.default")] for s in scope.split() if s.endswith("/.default")), "")
        if not resource:
            return _oauth_error(400, "invalid_scope", "a /.default scope is required")
        if resource not in self.resources:
            return _oauth_error(
                400,
                "invalid_resource",
                f"The resource principal named {resource} was not found in the tenant named {tenant}.",
                aadsts=500011,
            )
        token = secrets.token_urlsafe(24)
        self.tokens[token] = IssuedToken(tenant, app.client_id, resource, time.time() + self.token_lifetime)
        self.issued += 1
        return FakeReply(
            200, {"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token}
        )

    def _credential_problem(self, app: AppRegistration, form: dict[str, Any]) -> str:
        if "client_secret" in form:
            return "" if app.secret is not None and form["client_secret"] == app.secret else "bad secret"
        if form.get("client_assertion_type") != ASSERTION_TYPE or "client_assertion" not in form:
            return "no client credential"
        if app.certificate is None:
            return "no certificate registered"
        return self._assertion_problem(app, str(form["client_assertion"]))

    def _assertion_problem(self, app: AppRegistration, assertion: str) -> str:
        assert app.certificate is not None
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion,
                app.certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=self.token_endpoint(app.tenant),
                issuer=app.client_id,
                options={"require": ["exp", "aud", "iss", "sub", "jti"]},
            )
        except jwt.PyJWTError as err:
            return f"assertion rejected: {err}"
        if claims["sub"] != app.client_id:
            return "assertion subject is not the client"
        thumbprints = {
            header.get("x5t"): _b64url(app.certificate.fingerprint(hashes.SHA1())),
            header.get("x5t#S256"): _b64url(app.certificate.fingerprint(hashes.SHA256())),
        }
        if not any(str(given).rstrip("=") == expected for given, expected in thumbprints.items() if given):
            return "assertion thumbprint does not match the registered certificate"
        return ""

    def check_bearer(self, headers: Any, audiences: set[str], *, bot: bool) -> FakeReply | None:
        """None when the bearer token is valid for one of `audiences`; a 401 reply otherwise."""
        scheme, _, token = str(headers.get("authorization", "")).partition(" ")
        issued = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if issued is None or issued.expires_at < time.time() or issued.audience not in audiences:
            if bot:
                return FakeReply(401, {"message": "Authorization has been denied for this request."})
            return FakeReply(
                401, {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is invalid."}}
            )
        return None
