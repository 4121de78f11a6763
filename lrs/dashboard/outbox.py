"""The `local` channel's outbox folder (connectors/local writes STEM.eml and STEM.json) as pages for
the admin outbox page: newest first by the time the file was written, a page at a time.

Bounded whatever the folder holds: one directory scan (names and modification times only), at most
MAX_PAGE pages of PAGE_SIZE, and only the records on the page shown are read, each up to
MAX_RECORD_BYTES. A file that cannot be read or is not a local-channel record shows as unreadable.
"""

from __future__ import annotations

import email.parser
import email.policy
import heapq
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.local.settings import LocalSettings

PAGE_SIZE = 25
MAX_PAGE = 400  # the newest 10,000 messages can be paged through
MAX_RECORD_BYTES = 2 * 1024 * 1024
MAX_EML_BYTES = 20 * 1024 * 1024
SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
_STEM = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class OutboxLine:
    stem: str
    file_time: datetime  # when the file was written (its modification time)
    subject: str
    recipient: str
    rule: str
    has_invite: bool
    readable: bool


@dataclass(frozen=True)
class OutboxPage:
    folder: Path
    lines: tuple[OutboxLine, ...]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // PAGE_SIZE)))


@dataclass(frozen=True)
class OutboxMessage:
    """One message as the page shows it (every field a string, whatever the record held)."""

    stem: str
    key: str
    subject: str
    to: str
    written_at: str
    text: str
    html: str
    deep_link: str
    metadata: tuple[tuple[str, str], ...]
    invite: Mapping[str, str] | None
    headers: tuple[tuple[str, str], ...]  # from the .eml, the ones an admin checks


def outbox_folder(connectors_table: Mapping[str, Any]) -> Path:
    """Where the local channel writes, from the settings' [connectors.local] table."""
    table = connectors_table.get("local", {})
    return LocalSettings.from_mapping(table if isinstance(table, Mapping) else {}).folder


def is_stem(text: str) -> bool:
    return bool(_STEM.match(text))


def outbox_page(folder: Path, page: int) -> OutboxPage:
    found = _scan(folder)
    newest = heapq.nlargest(page * PAGE_SIZE, found)
    chosen = newest[(page - 1) * PAGE_SIZE :]
    return OutboxPage(folder, tuple(_line(folder, stem, mtime) for mtime, stem in chosen), page, len(found))


def _scan(folder: Path) -> list[tuple[int, str]]:
    try:
        with os.scandir(folder) as entries:
            return [
                (entry.stat().st_mtime_ns, entry.name[:-5])
                for entry in entries
                if entry.name.endswith(".json") and is_stem(entry.name[:-5]) and entry.is_file()
            ]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _line(folder: Path, stem: str, mtime_ns: int) -> OutboxLine:
    written = datetime.fromtimestamp(mtime_ns / 1e9, UTC)
    record = _record(folder / f"{stem}.json")
    if record is None:
        return OutboxLine(stem, written, "", "", "", False, False)
    metadata = record.get("metadata")
    recipient = record.get("recipient")
    return OutboxLine(
        stem=stem,
        file_time=written,
        subject=str(record.get("subject", "")),
        recipient=str(recipient.get("email", "")) if isinstance(recipient, dict) else "",
        rule=str(metadata.get("rule", "")) if isinstance(metadata, dict) else "",
        has_invite=record.get("invite") is not None,
        readable=True,
    )


def _record(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_RECORD_BYTES + 1)
        if len(data) > MAX_RECORD_BYTES:
            return None
        record = json.loads(data)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "idempotency_key" in record else None


def outbox_message(folder: Path, stem: str) -> OutboxMessage | None:
    """One message's record and the headers of its .eml; None for an unknown or unreadable stem."""
    if not is_stem(stem):
        return None
    record = _record(folder / f"{stem}.json")
    if record is None:
        return None
    recipient = _mapping(record.get("recipient"))
    to = " ".join(
        part for part in (recipient.get("display_name", ""), f"<{recipient.get('email', '')}>") if part
    )
    invite = _invite(record.get("invite"))
    return OutboxMessage(
        stem=stem,
        key=str(record["idempotency_key"]),
        subject=str(record.get("subject") or ""),
        to=to,
        written_at=str(record.get("written_at") or ""),
        text=str(record.get("text") or ""),
        html=str(record.get("html") or ""),
        deep_link=str(record.get("deep_link") or ""),
        metadata=tuple(sorted(_mapping(record.get("metadata")).items())),
        invite=invite,
        headers=_headers(folder / f"{stem}.eml"),
    )


def _invite(value: object) -> Mapping[str, str] | None:
    if value is None:
        return None
    found = _mapping(value)
    shown = {name: found.get(name, "") for name in ("title", "start", "end", "uid", "sequence")}
    return {**shown, "cancelled": "yes" if found.get("cancelled") == "True" else "no"}


def _mapping(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _headers(path: Path) -> tuple[tuple[str, str], ...]:
    try:
        with path.open("rb") as file:
            parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parse(file)
    except OSError:
        return ()
    return tuple((name, str(parsed[name])) for name in SHOWN_HEADERS if parsed[name] is not None)


def outbox_eml(folder: Path, stem: str) -> bytes | None:
    if not is_stem(stem):
        return None
    try:
        with (folder / f"{stem}.eml").open("rb") as file:
            data = file.read(MAX_EML_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_EML_BYTES else None
