"""Microsoft Graph connection settings shared by every Microsoft channel (flat keys in its TOML table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.graph.config_values import (
    config_error,
    optional_float,
    optional_int,
    optional_str,
    require_str,
    secret_from,
)
from connectors.graph.retry import RetryPolicy
from connectors.graph.secret import Secret

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com"
GRAPH_SCOPE_SUFFIX = "/.default"


@dataclass(frozen=True)
class ClientCredential:
    """An app registration's client credential: a secret, or a certificate (PEM private key + thumbprint)."""

    secret: Secret | None = None
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None  # SHA-1 hex as the portal shows it; None: taken from the PEM

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], section: str, prefix: str = "", environ: Mapping[str, str] | None = None
    ) -> ClientCredential:
        secret = secret_from(data, f"{prefix}client_secret", section, environ)
        cert = optional_str(data, f"{prefix}certificate_path", section)
        thumbprint = optional_str(data, f"{prefix}certificate_thumbprint", section)
        if (secret is None) == (cert is None):
            raise config_error(
                section,
                f"{prefix}client_secret",
                f"set exactly one of {prefix}client_secret(_env) or {prefix}certificate_path",
            )
        if cert is not None and not Path(cert).is_file():
            raise config_error(section, f"{prefix}certificate_path", f"file not found: {cert}")
        if thumbprint is not None:
            thumbprint = thumbprint.replace(":", "").upper()
        return cls(secret, Path(cert) if cert else None, thumbprint)


def _graph_scope(data: Mapping[str, Any], section: str) -> str | None:
    scope = optional_str(data, "graph_scope", section)
    if scope is not None and not scope.endswith(GRAPH_SCOPE_SUFFIX):
        raise config_error(
            section, "graph_scope", f"app-only tokens need a {GRAPH_SCOPE_SUFFIX} scope, got {scope!r}"
        )
    return scope


@dataclass(frozen=True)
class GraphSettings:
    tenant_id: str
    client_id: str
    credential: ClientCredential
    authority_host: str = DEFAULT_AUTHORITY_HOST
    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    ca_bundle: str | None = None  # PEM bundle to trust instead of the system store (tests, proxies)
    requests_per_second: float = 10.0  # per tenant; share one GraphClient's limiter across channels
    burst: int = 20
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 30.0
    token_refresh_margin_seconds: float = 300.0
    graph_scope: str | None = None  # None: derived from graph_base_url (<base>/.default)

    @property
    def authority(self) -> str:
        return f"{self.authority_host.rstrip('/')}/{self.tenant_id}"

    @property
    def scope(self) -> str:
        """The token scope: `graph_scope` when set (a proxy or national cloud with its own resource)."""
        return self.graph_scope or self.graph_base_url.rstrip("/") + GRAPH_SCOPE_SUFFIX

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], section: str = "graph", environ: Mapping[str, str] | None = None
    ) -> GraphSettings:
        return cls(
            tenant_id=require_str(data, "tenant_id", section),
            client_id=require_str(data, "client_id", section),
            credential=ClientCredential.from_mapping(data, section, environ=environ),
            authority_host=optional_str(data, "authority_host", section) or DEFAULT_AUTHORITY_HOST,
            graph_base_url=optional_str(data, "graph_base_url", section, DEFAULT_GRAPH_BASE_URL)
            or DEFAULT_GRAPH_BASE_URL,
            ca_bundle=optional_str(data, "ca_bundle", section),
            requests_per_second=optional_float(data, "requests_per_second", section, 10.0, minimum=0.01),
            burst=optional_int(data, "burst", section, 20, minimum=1),
            retry=RetryPolicy.from_mapping(data, section),
            timeout_seconds=optional_float(data, "timeout_seconds", section, 30.0, minimum=0.1),
            token_refresh_margin_seconds=optional_float(data, "token_refresh_margin_seconds", section, 300.0),
            graph_scope=_graph_scope(data, section),
        )
