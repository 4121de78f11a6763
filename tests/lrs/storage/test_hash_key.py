"""The credential hash key lives in a 0600 key file, not in the database; an older database's stored
key is moved out; a missing or wrong key file is a clear error, not logins that silently fail."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lrs.storage.credentials import authenticate, create_credential, hash_secret
from lrs.storage.engine import Database
from lrs.storage.hash_key import FINGERPRINT, STORED_KEY, HashKeyError, load_hash_key
from lrs.storage.models import Credential, LrsMeta

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def _load(database: Database, path: Path) -> bytes:
    async with database.write_session() as session, session.begin():
        return await load_hash_key(session, "", path)


async def _meta(database: Database) -> dict[str, str]:
    async with database.read_session() as session:
        return {row.key: row.value for row in await session.scalars(select(LrsMeta))}


async def test_a_new_store_keeps_its_key_in_a_private_file(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "var" / "cohort-lrs.key"
    key = await _load(database, path)
    assert path.read_bytes().strip() == key and len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    meta = await _meta(database)
    assert STORED_KEY not in meta and key.decode() not in meta.values() and FINGERPRINT in meta
    assert await _load(database, path) == key


async def test_a_key_stored_by_an_older_release_moves_to_the_file(database: Database, tmp_path: Path) -> None:
    old_key = "a" * 64
    async with database.write_session() as session, session.begin():
        session.add(LrsMeta(key=STORED_KEY, value=old_key))
        issued = await create_credential(
            session, name="old", scopes="all", hash_key=old_key.encode(), now=NOW
        )
    path = tmp_path / "cohort-lrs.key"
    assert await _load(database, path) == old_key.encode()
    assert path.read_text().strip() == old_key
    assert old_key not in (await _meta(database)).values()
    moved = await _load(database, path)
    async with database.read_session() as session:
        found = await authenticate(session, key=issued.info.key, secret=issued.secret, hash_key=moved)
        stored_hash = await session.scalar(select(Credential.secret_hash))
    assert found is not None and stored_hash == hash_secret(old_key.encode(), issued.secret)


async def test_a_missing_or_wrong_key_file_is_a_clear_error(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "cohort-lrs.key"
    await _load(database, path)
    path.unlink()
    with pytest.raises(HashKeyError, match=r"no key file at .*copy it here"):
        await _load(database, path)
    path.write_text("b" * 64)
    with pytest.raises(HashKeyError, match="is not the key file this database was made with"):
        await _load(database, path)


async def test_the_configured_secret_key_wins(database: Database, tmp_path: Path) -> None:
    async with database.write_session() as session, session.begin():
        assert await load_hash_key(session, "configured", tmp_path / "unused.key") == b"configured"
    assert not (tmp_path / "unused.key").exists()
