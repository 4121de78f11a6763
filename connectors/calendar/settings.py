"""[connectors.calendar]: Graph app settings plus the organiser whose calendar holds the events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.graph.config_values import optional_bool, require_str
from connectors.graph.settings import GraphSettings

SECTION = "connectors.calendar"


@dataclass(frozen=True)
class CalendarSettings:
    graph: GraphSettings
    organizer: str  # UPN or id of the mailbox that organises sessions (invite.organizer_email wins)
    online_meetings: bool = True  # add a Teams meeting to every event, whatever the invite says

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> CalendarSettings:
        return cls(
            graph=GraphSettings.from_mapping(data, SECTION, environ),
            organizer=require_str(data, "organizer", SECTION),
            online_meetings=optional_bool(data, "online_meetings", SECTION, True),
        )
