"""[connectors.teams_channel]: the Workflows webhook URLs (secrets: each carries its own `sig`).

`webhook_url` is the site's channel; `[connectors.teams_channel.channels.NAME]` tables name more,
one per programme or cohort channel, so a programme definition names its channel and never holds
the secret. At least one of the two is required."""

from __future__ import annotations

import re
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
CHANNEL_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class TeamsChannelSettings:
    webhook_url: Secret | None  # the site's channel; repr shows Secret('***')
    channels: Mapping[str, Secret] = field(default_factory=dict)  # named channels (programmes, cohorts)
    ca_bundle: str | None = None
    timeout_seconds: float = 30.0
    requests_per_second: float = 2.0  # Workflows throttles HTTP triggers per flow
    burst: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> TeamsChannelSettings:
        url = _webhook(data, SECTION, environ)
        channels = _channels(data.get("channels", {}), environ)
        if url is None and not channels:
            raise config_error(SECTION, "webhook_url", "is required (or webhook_url_env, or channels)")
        return cls(
            webhook_url=url,
            channels=channels,
            ca_bundle=optional_str(data, "ca_bundle", SECTION),
            timeout_seconds=optional_float(data, "timeout_seconds", SECTION, 30.0, minimum=0.1),
            requests_per_second=optional_float(data, "requests_per_second", SECTION, 2.0, minimum=0.01),
            burst=optional_int(data, "burst", SECTION, 4, minimum=1),
            retry=RetryPolicy.from_mapping(data, SECTION),
        )


def _webhook(data: Mapping[str, Any], section: str, environ: Mapping[str, str] | None) -> Secret | None:
    url = secret_from(data, "webhook_url", section, environ)
    if url is not None and not url.reveal().startswith("https://"):
        raise config_error(section, "webhook_url", "must be an https:// URL")  # the value is never echoed
    return url


def _channels(raw: Any, environ: Mapping[str, str] | None) -> dict[str, Secret]:
    if not isinstance(raw, Mapping):
        raise config_error(SECTION, "channels", "must be a table of channel names")
    found: dict[str, Secret] = {}
    for name, table in raw.items():
        section = f"{SECTION}.channels.{name}"
        if not isinstance(name, str) or not CHANNEL_NAME.match(name) or len(name) > 64:
            raise config_error(
                f"{SECTION}.channels", str(name), "a channel name is lower-case letters, digits, -"
            )
        if not isinstance(table, Mapping):
            raise config_error(section, "webhook_url", "expected a table with webhook_url or webhook_url_env")
        url = _webhook(table, section, environ)
        if url is None:
            raise config_error(section, "webhook_url", "is required (or webhook_url_env)")
        found[name] = url
    return found
