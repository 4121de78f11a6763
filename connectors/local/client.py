"""The outbox folder: writes a message's .eml and .json once per key, and lists what is there.

The .eml is written first and the .json last, each through a temporary file and a rename, so a
.json always has its complete .eml beside it and a crash never leaves a half-written message.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OutboxEntry:
    """One written message, for the admin page that lists the outbox."""

    idempotency_key: str
    subject: str
    recipient: str
    written_at: datetime
    has_invite: bool
    eml_path: Path
    json_path: Path


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class OutboxFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def json_path(self, stem: str) -> Path:
        return self.folder / f"{stem}.json"

    def already_written(self, stem: str) -> bool:
        return self.json_path(stem).is_file()

    def write(self, stem: str, eml: bytes, record: dict[str, Any]) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.folder / f"{stem}.eml", eml)
        _write_atomically(self.json_path(stem), json.dumps(record, indent=2, sort_keys=True).encode())
        return self.json_path(stem)

    def problem(self) -> str:
        """Why messages could not be written here ("" when they can): the folder, or the nearest
        existing parent it would be created in, must be a writable directory."""
        existing = self.folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            return f"{existing} is not a directory"
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"{existing} is not writable"
        return ""


def list_outbox(folder: Path) -> list[OutboxEntry]:
    """Every message written to `folder`, newest first (unreadable or foreign .json files skipped)."""
    entries = [entry for path in folder.glob("*.json") if (entry := _entry(path)) is not None]
    return sorted(entries, key=lambda entry: (entry.written_at, entry.json_path.name), reverse=True)


def _entry(path: Path) -> OutboxEntry | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return OutboxEntry(
            idempotency_key=str(record["idempotency_key"]),
            subject=str(record["subject"]),
            recipient=str(record["recipient"]["email"]),
            written_at=datetime.fromisoformat(str(record["written_at"])),
            has_invite=record.get("invite") is not None,
            eml_path=path.with_name(str(record["eml"])),
            json_path=path,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
