"""Which module implements which channel, loaded only when a channel is used.

Each channel is one folder whose connector.py exports
`create_connector(config, *, suppression=None) -> Connector`; the `[connectors]` table of the
settings TOML holds one sub-table per configured channel (`[connectors.email]`, ...).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol, cast

from connectors.base import Connector, SuppressionList

CHANNELS: Mapping[str, str] = MappingProxyType(
    {
        "email": "connectors.email.connector",
        "notify": "connectors.notify.connector",
        "teams": "connectors.teams.connector",
        "teams_channel": "connectors.teams_channel.connector",
        "calendar": "connectors.calendar.connector",
        "graph_mail": "connectors.graph_mail.connector",
        "local": "connectors.local.connector",
    }
)
LOCAL = "local"  # the embedded default: .eml and .json files under var/outbox/


class ConnectorFactory(Protocol):
    def __call__(
        self, config: Mapping[str, Any], *, suppression: SuppressionList | None = None
    ) -> Connector: ...


class UnknownChannelError(ValueError):
    def __init__(self, channel: str) -> None:
        super().__init__(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")
        self.channel = channel


def factory_for(channel: str) -> ConnectorFactory:
    """Import the channel's connector module and return its `create_connector`."""
    try:
        module_path = CHANNELS[channel]
    except KeyError:
        raise UnknownChannelError(channel) from None
    module = importlib.import_module(module_path)
    return cast(ConnectorFactory, module.create_connector)


def create(
    channel: str, config_table: Mapping[str, Any], suppression: SuppressionList | None = None
) -> Connector:
    """Build the connector for `channel` from its `[connectors.<channel>]` table."""
    return factory_for(channel)(config_table, suppression=suppression)


def configured_channels(connectors_config: Mapping[str, Any]) -> list[str]:
    """The channels the `[connectors]` table configures, in file order.

    A sub-table with an unknown name is a typo, not something to ignore silently.
    """
    channels: list[str] = []
    for name, table in connectors_config.items():
        if name not in CHANNELS:
            raise ValueError(f"connectors.{name}: unknown channel (known: {', '.join(CHANNELS)})")
        if not isinstance(table, Mapping):
            raise ValueError(f"connectors.{name}: expected a table, got {type(table).__name__}")
        channels.append(name)
    return channels


def channels_in_use(connectors_config: Mapping[str, Any]) -> list[str]:
    """The configured channels, or the local channel (with its defaults) when none is configured."""
    return configured_channels(connectors_config) or [LOCAL]


def table_for(channel: str, connectors_config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The channel's `[connectors.<channel>]` table; the local channel's defaults when it has none."""
    table = connectors_config.get(channel)
    if table is None and channel == LOCAL:
        return {}
    if not isinstance(table, Mapping):
        raise ValueError(f"connectors.{channel}: not configured")
    return table
