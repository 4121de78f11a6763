"""The `local` channel's outbox folder (connectors/local: an .eml and a .json per message) holds
what was sent, so an erasure cleans it too: the messages written to the person are deleted, and
the messages written to others that name them (a programme team's digest lists learners by name) are
redacted. Files are not in the database transaction: the CLI and the admin route clean the folder
once the erasure has committed (a dry run only counts), the worker's retention run inside its
erasure's transaction, since the erasure is decided by then (a failed run is retried, and finds the
files already clean).

The words that name the person are read before the erasure rewrites the learner record; they are
kept in memory only, never written anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.local.client import list_outbox
from connectors.local.redaction import mentions, redact_files, word_pattern
from connectors.local.settings import LocalSettings
from lrs.privacy.subject import Subject
from lrs.storage.programme_models import LearnerRow


@dataclass(frozen=True)
class PersonInMessages:
    """How a message can name the person: the address it was sent to, and every word naming them."""

    addresses: frozenset[str]  # lower-cased
    words: tuple[str, ...]


@dataclass(frozen=True)
class OutboxCleaning:
    deleted: int  # messages written to the person
    redacted: int  # messages written to others that named them


def local_outbox_folder(connectors: Mapping[str, Any]) -> Path:
    """Where the local channel writes, from the settings' [connectors.local] table (or its default)."""
    table = connectors.get("local", {})
    return LocalSettings.from_mapping(table if isinstance(table, Mapping) else {}).folder


async def person_in_messages(session: AsyncSession, subject: Subject) -> PersonInMessages:
    """Read before the erasure: the learner record still holds the name and employee number."""
    learner = await session.get(LearnerRow, subject.learner_id) if subject.learner_id is not None else None
    addresses = {subject.email}
    words = {subject.email}
    if learner is not None:
        addresses.add(learner.email)
        words.update({learner.email, learner.name, learner.employee_number or ""})
    return PersonInMessages(
        frozenset(address.strip().lower() for address in addresses if address.strip()),
        tuple(sorted(word for word in words if word.strip())),
    )


def clean_local_outbox(folder: Path, people: Sequence[PersonInMessages], *, dry_run: bool) -> OutboxCleaning:
    """Delete the people's messages and redact the others that name them (with `dry_run`, count).
    One pass over the folder, however many people."""
    if not people or not folder.is_dir():
        return OutboxCleaning(0, 0)
    addresses = frozenset().union(*(person.addresses for person in people))
    pattern = word_pattern([word for person in people for word in person.words])
    deleted = redacted = 0
    for entry in list_outbox(folder):
        if entry.recipient.strip().lower() in addresses:
            deleted += 1
            if not dry_run:
                entry.json_path.unlink(missing_ok=True)  # first: without its .json a message is not listed
                entry.eml_path.unlink(missing_ok=True)
        elif pattern is not None and any(
            path.is_file() and mentions(path, pattern) for path in (entry.json_path, entry.eml_path)
        ):
            redacted += 1
            if not dry_run:
                redact_files(entry.json_path, entry.eml_path, pattern)
    return OutboxCleaning(deleted, redacted)
