"""[connectors.graph_mail]: Graph app settings plus the mailbox that sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.graph.config_values import optional_bool, require_str
from connectors.graph.settings import GraphSettings

SECTION = "connectors.graph_mail"


@dataclass(frozen=True)
class GraphMailSettings:
    graph: GraphSettings
    sender: str  # UPN or id of the sending mailbox (limit it with an application access policy)
    save_to_sent_items: bool = False

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> GraphMailSettings:
        return cls(
            graph=GraphSettings.from_mapping(data, SECTION, environ),
            sender=require_str(data, "sender", SECTION),
            save_to_sent_items=optional_bool(data, "save_to_sent_items", SECTION, False),
        )
