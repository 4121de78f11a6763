"""[connectors.local]: where the local channel writes, and the From line of its .eml files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.email.settings import ConfigTable, EmailSettings

SECTION = "connectors.local"
DEFAULT_FOLDER = Path("var/outbox")


@dataclass(frozen=True)
class LocalSettings:
    folder: Path = DEFAULT_FOLDER  # relative paths are relative to the working directory
    from_address: str = "cohort-lrs@localhost"
    from_name: str = "cohort-lrs"

    def as_email_settings(self) -> EmailSettings:
        """The SMTP channel's settings, so an .eml is exactly the MIME message email would send."""
        return EmailSettings(
            host="localhost",
            port=0,
            from_address=self.from_address,
            from_name=self.from_name,
            message_id_domain=self.from_address.rpartition("@")[2] or "localhost",
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> LocalSettings:
        table = ConfigTable(data, SECTION)
        settings = cls(
            folder=Path(table.text("folder", str(DEFAULT_FOLDER))),
            from_address=table.email("from_address") or "cohort-lrs@localhost",
            from_name=table.text("from_name", "cohort-lrs"),
        )
        table.reject_unknown()
        return settings
