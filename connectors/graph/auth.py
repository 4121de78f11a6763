"""App-only tokens from Entra ID with msal (client secret or certificate), never blocking the loop.

msal is synchronous (requests underneath): every call into it runs in a worker thread. msal keeps
its own token cache and refreshes tokens that expire within five minutes; this provider adds a
cheap in-loop memo so most requests do not hop to a thread at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msal
import requests

from connectors.graph.errors import AuthenticationError, ConfigurationError, TransientError
from connectors.graph.identity_http import IdentitySession, token_error_detail
from connectors.graph.settings import ClientCredential

_TRANSIENT_AUTH_ERRORS = frozenset({"temporarily_unavailable", "server_error"})


def msal_client_credential(credential: ClientCredential) -> str | dict[str, str]:
    """msal's `client_credential`: the secret, or the PEM key with its SHA-1 thumbprint or certificate."""
    if credential.secret is not None:
        return credential.secret.reveal()
    assert credential.certificate_path is not None  # ClientCredential.from_mapping guarantees one of them
    pem = credential.certificate_path.read_text()
    if credential.certificate_thumbprint:
        return {"private_key": pem, "thumbprint": credential.certificate_thumbprint}
    return {"private_key": pem, "public_certificate": pem}  # msal derives the thumbprint (PS256, x5t#S256)


@dataclass(frozen=True)
class TokenRequest:
    authority: str  # https://login.microsoftonline.com/{tenant} (or botframework.com for bots)
    client_id: str
    credential: ClientCredential
    scope: str  # https://graph.microsoft.com/.default
    ca_bundle: str | None = None
    refresh_margin_seconds: float = 300.0


class TokenProvider:
    """`await provider.token()` -> a bearer token valid for at least `refresh_margin_seconds`."""

    def __init__(self, request: TokenRequest, *, clock: Callable[[], float] = time.time) -> None:
        self._request = request
        self._clock = clock
        self._cache = msal.SerializableTokenCache()
        self._app: msal.ConfidentialClientApplication | None = None
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self._http = IdentitySession(request.ca_bundle)  # ours: the configured CA wins, close() frees sockets

    async def close(self) -> None:
        self._http.close()

    async def token(self, force_refresh: bool = False) -> str:
        async with self._lock:  # concurrent callers share one round trip to the identity endpoint
            fresh = self._clock() < self._expires_at - self._request.refresh_margin_seconds
            if self._token is not None and fresh and not force_refresh:
                return self._token
            result = await asyncio.to_thread(self._acquire, force_refresh)
            self._token = str(result["access_token"])
            self._expires_at = self._clock() + float(result.get("expires_in", 0))
            return self._token

    def _acquire(self, force_refresh: bool) -> dict[str, Any]:
        """Runs in a worker thread: builds the msal app once (OIDC discovery is network I/O).

        Every msal and requests error becomes a ConnectorError here, where it enters."""
        try:
            result = self._acquire_with_msal(force_refresh)
        except requests.exceptions.SSLError:
            raise ConfigurationError(
                f"configuration error: TLS certificate verification failed for the identity endpoint "
                f"{self._request.authority}; check ca_bundle (or the proxy's CA)"
            ) from None
        except requests.RequestException as err:
            raise TransientError(
                f"token endpoint unavailable: {type(err).__name__}", self._http.retry_after()
            ) from None
        except msal.exceptions.MsalServiceError:  # msal raises this for an HTTP 5xx / 429 from Entra
            status = self._http.last_status
            raise TransientError(
                f"token endpoint unavailable: HTTP {status or 'error'}", self._http.retry_after()
            ) from None
        except (ValueError, msal.exceptions.MsalError) as err:  # unknown tenant, unreadable key
            raise AuthenticationError(f"cannot authenticate {self._request.client_id}: {err}") from None
        if "access_token" in result:
            return result
        code = str(result.get("error", "unknown_error"))
        detail = f"token request for {self._request.client_id} failed: {token_error_detail(result)}"
        if code in _TRANSIENT_AUTH_ERRORS or (self._http.last_status or 0) >= 500:
            raise TransientError(detail, self._http.retry_after())
        raise AuthenticationError(detail, code=code)

    def _acquire_with_msal(self, force_refresh: bool) -> dict[str, Any]:
        if self._app is None:
            self._app = self._build_app()
        if force_refresh:
            for entry in list(self._cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                self._cache.remove_at(entry)
        result: dict[str, Any] = self._app.acquire_token_for_client(scopes=[self._request.scope])
        return result

    def _build_app(self) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            self._request.client_id,
            client_credential=msal_client_credential(self._request.credential),
            authority=self._request.authority,
            validate_authority=False,
            instance_discovery=False,  # no call to the public instance-discovery endpoint
            token_cache=self._cache,
            http_client=self._http,
        )
