"""[connectors.teams_channel]: the Workflows webhook URL (a secret: it carries its own `sig`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.graph.config_values import (
    config_error,
    optional_float,
    optional_int,
    optional_str,
    secret_from,
)
from connectors.graph.retry import RetryPolicy
from connectors.graph.secret import Secret

SECTION = "connectors.teams_channel"


@dataclass(frozen=True)
class TeamsChannelSettings:
    webhook_url: Secret  # repr shows Secret('***')
    ca_bundle: str | None = None
    timeout_seconds: float = 30.0
    requests_per_second: float = 2.0  # Workflows throttles HTTP triggers per flow
    burst: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> TeamsChannelSettings:
        url = secret_from(data, "webhook_url", SECTION, environ)
        if url is None:
            raise config_error(SECTION, "webhook_url", "is required (or webhook_url_env)")
        if not url.reveal().startswith("https://"):
            raise config_error(SECTION, "webhook_url", "must be an https:// URL")  # the value is never echoed
        return cls(
            webhook_url=url,
            ca_bundle=optional_str(data, "ca_bundle", SECTION),
            timeout_seconds=optional_float(data, "timeout_seconds", SECTION, 30.0, minimum=0.1),
            requests_per_second=optional_float(data, "requests_per_second", SECTION, 2.0, minimum=0.01),
            burst=optional_int(data, "burst", SECTION, 4, minimum=1),
            retry=RetryPolicy.from_mapping(data, SECTION),
        )
