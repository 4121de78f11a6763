"""Issued credentials: secrets are random, plain hexadecimal (safe to pass to any command-line tool),
stored only as a keyed hash, and authenticate."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from lrs.storage.credentials import authenticate, create_credential, load_hash_key
from lrs.storage.engine import Database
from lrs.storage.models import Credential

NOW = datetime(2026, 11, 23, tzinfo=UTC)


async def test_secrets_are_random_hex_stored_hashed_and_authenticate(sqlite_database: Database) -> None:
    async with sqlite_database.write_session() as session, session.begin():
        hash_key = await load_hash_key(session, "")
        issued = [
            await create_credential(
                session, name=f"player {n}", scopes="statements/write", hash_key=hash_key, now=NOW
            )
            for n in range(300)
        ]
    secrets = [item.secret for item in issued]
    # token_urlsafe put "-" first in about one secret in 64, which tools then read as an option.
    assert all(re.fullmatch(r"[0-9a-f]{64}", secret) for secret in secrets)
    assert len(set(secrets)) == 300
    async with sqlite_database.read_session() as session:
        stored = set(await session.scalars(select(Credential.secret_hash)))
        assert not stored & set(secrets)
        found = await authenticate(session, key=issued[7].info.key, secret=secrets[7], hash_key=hash_key)
        refused = await authenticate(session, key=issued[7].info.key, secret=secrets[8], hash_key=hash_key)
    assert found is not None and found.name == "player 7" and refused is None
