"""The requests session msal talks to Entra through: the configured CA always wins, Retry-After is kept.

requests lets `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` override a session's `verify`, so a
configured `ca_bundle` would silently lose to the environment; this session pins it. msal hides
the HTTP reply behind its own exceptions, so the last status and Retry-After are recorded here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import requests

from connectors.graph.retry import parse_retry_after

_AADSTS = re.compile(r"\bAADSTS\d+\b")


class IdentitySession(requests.Session):
    def __init__(self, ca_bundle: str | None) -> None:
        super().__init__()
        self.verify = ca_bundle or True
        self._ca_bundle = ca_bundle
        self.last_status: int | None = None
        self._last_retry_after: str | None = None
        self.hooks["response"].append(self._record)

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        settings: dict[str, Any] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self._ca_bundle is not None:
            settings["verify"] = self._ca_bundle  # proxies from the environment still apply
        return settings

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self.last_status = response.status_code
        self._last_retry_after = response.headers.get("Retry-After")
        return response

    def retry_after(self) -> float | None:
        return parse_retry_after(self._last_retry_after)


def token_error_detail(result: Mapping[str, Any]) -> str:
    """`invalid_resource AADSTS500011 <first line of the description>`: the code an admin can look up."""
    code = str(result.get("error", "unknown_error"))
    description = str(result.get("error_description", ""))
    found = _AADSTS.search(description)
    if found is None and result.get("error_codes"):
        aadsts = f"AADSTS{result['error_codes'][0]}"
    else:
        aadsts = found.group(0) if found else ""
    first_line = description.splitlines()[0][:300] if description else ""
    if aadsts and first_line.startswith(aadsts):
        first_line = first_line[len(aadsts) :].lstrip(": ")
    return " ".join(part for part in (code, aadsts, first_line) if part)
