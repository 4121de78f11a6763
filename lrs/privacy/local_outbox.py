"""The `local` channel's outbox folder (connectors/local: an .eml and a .json per message) holds
what was sent to a person, so an erasure removes their messages from it too. Files are not in the
database transaction: they go once it has committed (a dry run only counts them)."""

from __future__ import annotations

from pathlib import Path

from connectors.local.client import OutboxEntry, list_outbox


def messages_to(folder: Path, email: str) -> list[OutboxEntry]:
    wanted = email.strip().lower()
    if not wanted or not folder.is_dir():
        return []
    return [entry for entry in list_outbox(folder) if entry.recipient.strip().lower() == wanted]


def forget_local_messages(folder: Path, email: str, *, dry_run: bool) -> int:
    """Delete (or with `dry_run` count) the messages the folder holds for `email`, in any case."""
    found = messages_to(folder, email)
    if not dry_run:
        for entry in found:
            entry.json_path.unlink(missing_ok=True)  # first: without its .json a message is not listed
            entry.eml_path.unlink(missing_ok=True)
    return len(found)
