"""The document store behind the State, Activity Profile and Agent Profile resources.

Every write runs in the caller's transaction: the row is locked (SELECT ... FOR UPDATE on PostgreSQL;
SQLite writers are already serialised by BEGIN IMMEDIATE), the caller's `guard` judges the current
document (ETag preconditions), and `compose` builds the new content from it (replace or JSON merge).
A writer that finds no row inserts with ON CONFLICT DO NOTHING; if a concurrent writer created the
row first, it locks that row and starts over, so two concurrent merges both land.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import Conflict, InvalidRequest
from lrs.storage.base import insert_ignoring_conflicts
from lrs.storage.document_models import Document
from lrs.storage.models import Person

JSON_MEDIA_TYPE = "application/json"
# A writer that loses an insert race retries with the winner's row; more rounds than this means
# the row keeps appearing and vanishing under it, which only a pathological client causes.
_WRITE_ATTEMPTS = 3


class DocumentKind(enum.StrEnum):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


@dataclass(frozen=True)
class DocumentScope:
    """What a set of documents hangs off: an activity and/or an agent (by canonical IFI), and for
    State documents an optional registration (lower-case UUID)."""

    kind: DocumentKind
    activity_iri: str | None = None
    agent_ifi: str | None = None
    registration: str | None = None

    @property
    def scope_hash(self) -> str:
        return _sha256([self.kind.value, self.activity_iri, self.agent_ifi, self.registration])

    def key_hash(self, document_id: str) -> str:
        return _sha256([self.kind.value, self.activity_iri, self.agent_ifi, self.registration, document_id])


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    content: bytes
    content_type: str
    etag: str  # SHA-1 hex of `content`, unquoted
    updated: datetime

    @property
    def is_json(self) -> bool:
        return media_type_of(self.content_type) == JSON_MEDIA_TYPE


Guard = Callable[[StoredDocument | None], None]
Compose = Callable[[StoredDocument | None], tuple[bytes, str]]


def document_etag(content: bytes) -> str:
    """The ETag value xAPI prescribes: the SHA-1 hex digest of the document (Communication 3.1)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def media_type_of(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def merged_json(current: StoredDocument, posted: Mapping[str, Any]) -> bytes:
    """A Document Merge (Communication 2.2): the posted object's top-level properties replace the
    stored ones of the same name, everything else stays. The stored document must be a JSON object."""
    stored: Any = None
    if current.is_json:
        try:
            stored = json.loads(current.content)
        except (ValueError, RecursionError):
            stored = None
    if not isinstance(stored, dict):
        raise InvalidRequest(
            "Content-Type",
            "the stored document is not a JSON object, so a JSON document cannot be merged into it",
        )
    return json.dumps({**stored, **posted}, ensure_ascii=False, separators=(",", ":")).encode()


async def read_document(
    session: AsyncSession, scope: DocumentScope, document_id: str
) -> StoredDocument | None:
    row = (
        await session.execute(select(Document).where(Document.key_hash == scope.key_hash(document_id)))
    ).scalar_one_or_none()
    return _stored(row) if row is not None else None


async def document_ids(
    session: AsyncSession, scope: DocumentScope, since: datetime | None = None
) -> tuple[list[str], datetime | None]:
    """Ids of the scope's documents updated after `since` (exclusive), and the latest update time."""
    query = select(Document.document_id, Document.updated).where(Document.scope_hash == scope.scope_hash)
    if since is not None:
        query = query.where(Document.updated > since)
    rows = (await session.execute(query.order_by(Document.updated, Document.id))).all()
    latest = rows[-1][1] if rows else None
    return [document_id for document_id, _ in rows], latest


async def save_document(
    session: AsyncSession,
    scope: DocumentScope,
    document_id: str,
    *,
    guard: Guard,
    compose: Compose,
    now: datetime,
) -> StoredDocument:
    """Create or replace one document: `guard` may refuse, `compose` gives (content, content type)."""
    key_hash = scope.key_hash(document_id)
    person_id = await _person_id(session, scope.agent_ifi) if scope.agent_ifi else None
    for _ in range(_WRITE_ATTEMPTS):
        row = await _locked(session, key_hash)
        current = _stored(row) if row is not None else None
        guard(current)
        content, content_type = compose(current)
        saved = StoredDocument(document_id, content, content_type, document_etag(content), now)
        if row is not None:
            await session.execute(update(Document).where(Document.id == row.id).values(**_content(saved)))
            return saved
        values = {
            "key_hash": key_hash,
            "scope_hash": scope.scope_hash,
            "kind": scope.kind.value,
            "activity_iri": scope.activity_iri,
            "person_id": person_id,
            "registration": scope.registration,
            "document_id": document_id,
            **_content(saved),
        }
        insert = insert_ignoring_conflicts(session.get_bind().dialect.name, Document).values(values)
        if (await session.execute(insert.returning(Document.id))).scalar_one_or_none() is not None:
            return saved
    raise Conflict(f"document {document_id!r} is being created and deleted concurrently; try again")


async def delete_document(
    session: AsyncSession, scope: DocumentScope, document_id: str, *, guard: Guard
) -> bool:
    """Delete one document if `guard` allows; False when there was none."""
    row = await _locked(session, scope.key_hash(document_id))
    guard(_stored(row) if row is not None else None)
    if row is None:
        return False
    await session.execute(delete(Document).where(Document.id == row.id))
    return True


async def delete_documents(session: AsyncSession, scope: DocumentScope) -> int:
    result = await session.execute(delete(Document).where(Document.scope_hash == scope.scope_hash))
    return int(getattr(result, "rowcount", 0) or 0)


async def _locked(session: AsyncSession, key_hash: str) -> Document | None:
    query = (
        select(Document)
        .where(Document.key_hash == key_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _person_id(session: AsyncSession, ifi: str) -> int:
    query = select(Person.id).where(Person.ifi == ifi)
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    await session.execute(insert_ignoring_conflicts(dialect, Person).values(ifi=ifi))
    return (await session.execute(query)).scalar_one()


def _stored(row: Document) -> StoredDocument:
    return StoredDocument(row.document_id, row.content, row.content_type, row.etag, row.updated)


def _content(document: StoredDocument) -> dict[str, Any]:
    return {
        "content": document.content,
        "content_type": document.content_type,
        "etag": document.etag,
        "updated": document.updated,
    }


def _sha256(parts: list[str | None]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
