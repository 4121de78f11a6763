"""Staff sign-in with Microsoft Entra ID: the OpenID Connect authorisation-code flow with PKCE, via msal.

`start` returns the Microsoft sign-in address and the flow msal must see again on return (state, nonce,
PKCE verifier); the web layer keeps that flow in a signed, short-lived, HttpOnly cookie. `finish`
redeems the code (msal checks the state and the id_token's nonce) and returns the signed-in work
e-mail, which must belong to an existing staff account: Entra ID proves who someone is, the staff
account says what they may see. msal is synchronous, so each call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msal
import requests

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# The response comes back as a query (a top-level GET), not form_post: the flow cookie is SameSite=Lax,
# which a browser sends on a cross-site GET navigation but not on a cross-site POST. msal never puts
# tokens in that query (only the one-time code, bound to the PKCE verifier), so its advice is declined.
_DECLINED_ADVICE = "response_mode='form_post' is recommended"


class EntraRejected(Exception):
    """The sign-in did not complete: cancelled, refused, replayed or tampered with."""


@dataclass(frozen=True)
class EntraConfig:
    tenant_id: str
    client_id: str
    client_secret: str
    authority_host: str = DEFAULT_AUTHORITY_HOST
    ca_bundle: str | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> EntraConfig | None:
        """The [staff_sign_in] settings table, or None when Entra ID is not configured."""
        if not table.get("client_id"):
            return None
        missing = [name for name in ("tenant_id", "client_secret") if not table.get(name)]
        if missing:
            raise ValueError(f"staff_sign_in.{missing[0]}: needed with staff_sign_in.client_id")
        return cls(
            tenant_id=str(table["tenant_id"]),
            client_id=str(table["client_id"]),
            client_secret=str(table["client_secret"]),
            authority_host=str(table.get("authority_host") or DEFAULT_AUTHORITY_HOST).rstrip("/"),
            ca_bundle=str(table["ca_bundle"]) if table.get("ca_bundle") else None,
        )


class EntraSignIn:
    def __init__(self, config: EntraConfig) -> None:
        self._config = config
        self._http = requests.Session()
        self._http.verify = config.ca_bundle or True
        self._app: msal.ConfidentialClientApplication | None = None

    def close(self) -> None:
        self._http.close()

    async def start(self, redirect_uri: str) -> tuple[str, dict[str, Any]]:
        """(the address to send the browser to, the flow to keep until it returns)."""

        def initiate() -> dict[str, Any]:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=_DECLINED_ADVICE, category=UserWarning)
                flow: dict[str, Any] = self._client().initiate_auth_code_flow(
                    scopes=[], redirect_uri=redirect_uri
                )
            return flow

        flow = await asyncio.to_thread(initiate)
        return str(flow.pop("auth_uri")), flow

    async def finish(self, flow: dict[str, Any], response: Mapping[str, str]) -> str:
        def redeem() -> dict[str, Any]:
            result: dict[str, Any] = self._client().acquire_token_by_auth_code_flow(flow, dict(response))
            return result

        try:
            result = await asyncio.to_thread(redeem)
        except (ValueError, KeyError) as err:  # msal: state mismatch, another flow, a malformed id_token
            raise EntraRejected(f"the sign-in response does not match: {err}") from None
        except requests.RequestException as err:
            raise EntraRejected(f"Entra ID could not be reached ({type(err).__name__})") from None
        if "error" in result:
            raise EntraRejected(str(result.get("error_description") or result["error"])[:200])
        claims = result.get("id_token_claims") or {}
        email = str(claims.get("preferred_username") or claims.get("email") or "")
        if "@" not in email:
            raise EntraRejected("the id_token names no work e-mail")
        return email

    def _client(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self._config.client_id,
                client_credential=self._config.client_secret,
                authority=f"{self._config.authority_host}/{self._config.tenant_id}",
                validate_authority=False,
                instance_discovery=False,
                http_client=self._http,
            )
        return self._app
