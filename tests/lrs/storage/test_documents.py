"""The document store on SQLite and PostgreSQL: keys, listing, guards, merges, writers that overlap."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from lrs.errors import InvalidRequest, PreconditionFailed
from lrs.storage.documents import (
    Compose,
    DocumentKind,
    DocumentScope,
    StoredDocument,
    delete_document,
    delete_documents,
    document_etag,
    document_ids,
    merged_json,
    read_document,
    save_document,
)
from lrs.storage.engine import Database

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
STATE = DocumentScope(DocumentKind.STATE, "https://x.example/a", "mbox:mailto:l@council.gov.uk")


def _allow(_current: StoredDocument | None) -> None:
    return None


def _replace(content: bytes, content_type: str = "application/json") -> Compose:
    return lambda _current: (content, content_type)


def _merge(posted: dict[str, object]) -> Compose:
    def compose(current: StoredDocument | None) -> tuple[bytes, str]:
        if current is None:
            return json.dumps(posted).encode(), "application/json"
        return merged_json(current, posted), "application/json"

    return compose


async def _save(
    database: Database, scope: DocumentScope, doc_id: str, compose: Compose, now: datetime
) -> None:
    async with database.write_session() as session, session.begin():
        await save_document(session, scope, doc_id, guard=_allow, compose=compose, now=now)


async def test_keys_separate_kinds_registrations_and_long_ids(database: Database) -> None:
    long_iri = "https://x.example/" + "a" * 1900
    scopes = [
        STATE,
        DocumentScope(
            DocumentKind.STATE, STATE.activity_iri, STATE.agent_ifi, "0b7e4b1c-6a57-4cf5-9d1a-5b0e7b0b1f11"
        ),
        DocumentScope(DocumentKind.ACTIVITY_PROFILE, STATE.activity_iri),
        DocumentScope(DocumentKind.AGENT_PROFILE, agent_ifi=STATE.agent_ifi),
        DocumentScope(DocumentKind.ACTIVITY_PROFILE, long_iri),
    ]
    for index, scope in enumerate(scopes):
        await _save(database, scope, "x" * 1500, _replace(str(index).encode()), T0)
    async with database.read_session() as session:
        for index, scope in enumerate(scopes):
            stored = await read_document(session, scope, "x" * 1500)
            assert stored is not None and stored.content == str(index).encode()
            assert stored.etag == document_etag(str(index).encode())
            assert stored.updated == T0


async def test_listing_since_and_deleting(database: Database) -> None:
    await _save(database, STATE, "early", _replace(b"{}"), T0)
    await _save(database, STATE, "late", _replace(b"{}"), T0 + timedelta(hours=1))
    async with database.read_session() as session:
        assert await document_ids(session, STATE) == (["early", "late"], T0 + timedelta(hours=1))
        assert await document_ids(session, STATE, T0) == (["late"], T0 + timedelta(hours=1))
        assert await document_ids(session, STATE, T0 + timedelta(hours=2)) == ([], None)
    async with database.write_session() as session, session.begin():
        assert await delete_document(session, STATE, "early", guard=_allow)
        assert not await delete_document(session, STATE, "early", guard=_allow)
        assert await delete_documents(session, STATE) == 1
    async with database.read_session() as session:
        assert await document_ids(session, STATE) == ([], None)


async def test_guard_refusal_changes_nothing(database: Database) -> None:
    await _save(database, STATE, "doc", _replace(b'{"a": 1}'), T0)
    seen: list[StoredDocument | None] = []

    def refuse(current: StoredDocument | None) -> None:
        seen.append(current)
        raise PreconditionFailed("no")

    with pytest.raises(PreconditionFailed):
        async with database.write_session() as session, session.begin():
            await save_document(session, STATE, "doc", guard=refuse, compose=_replace(b"{}"), now=T0)
    with pytest.raises(PreconditionFailed):
        async with database.write_session() as session, session.begin():
            await delete_document(session, STATE, "doc", guard=refuse)
    assert [document.content for document in seen if document] == [b'{"a": 1}', b'{"a": 1}']
    async with database.read_session() as session:
        stored = await read_document(session, STATE, "doc")
    assert stored is not None and stored.content == b'{"a": 1}'


async def test_merge_needs_a_stored_json_object(database: Database) -> None:
    await _save(database, STATE, "text", _replace(b"plain", "text/plain"), T0)
    await _save(database, STATE, "array", _replace(b"[1]"), T0)
    async with database.read_session() as session:
        for doc_id in ("text", "array"):
            stored = await read_document(session, STATE, doc_id)
            assert stored is not None
            with pytest.raises(InvalidRequest):
                merged_json(stored, {"a": 1})


async def test_an_overlapping_merge_waits_and_keeps_both(database: Database) -> None:
    """The second writer blocks on the first one's uncommitted row, then merges into it."""
    async with database.write_session() as first, first.begin():
        await save_document(first, STATE, "doc", guard=_allow, compose=_merge({"first": 1}), now=T0)
        second = asyncio.create_task(_save(database, STATE, "doc", _merge({"second": 2}), T0))
        await asyncio.sleep(0.3)
        assert not second.done()
    await asyncio.wait_for(second, 30)
    async with database.read_session() as session:
        stored = await read_document(session, STATE, "doc")
    assert stored is not None and json.loads(stored.content) == {"first": 1, "second": 2}
