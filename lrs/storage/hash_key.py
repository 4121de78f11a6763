"""The key that hashes credential secrets (and derives the check-in link and cursor keys).

`secret_key` (LRS_SECRET_KEY) wins when set. Otherwise the key lives in a key file outside the
database (`hash_key_file`, default var/cohort-lrs.key, mode 0600), so that a copy of the database (a
dump, a backup, a replica) holds the hashes without the key that made them. The database keeps only
the key's fingerprint, to notice a missing or wrong key file instead of silently failing every login.
A key stored in the database by an older release is moved to the file on first start.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.models import LrsMeta

DEFAULT_KEY_FILE = Path("var/cohort-lrs.key")
STORED_KEY = "credential_hash_key"  # where older releases kept the key itself
FINGERPRINT = "credential_hash_key_fingerprint"


class HashKeyError(RuntimeError):
    """The key file is missing or does not match this database (the message says what to do)."""


def fingerprint(key: bytes) -> str:
    return hmac.new(key, b"cohort-lrs/hash-key-fingerprint", hashlib.sha256).hexdigest()[:32]


async def load_hash_key(session: AsyncSession, configured: str, key_file: Path | None = None) -> bytes:
    """The configured key, else the key file's (created, or moved from the database, on first use)."""
    if configured:
        return configured.encode()
    path = key_file or DEFAULT_KEY_FILE
    stored = await session.get(LrsMeta, STORED_KEY)
    recorded = await session.get(LrsMeta, FINGERPRINT)
    if stored is not None:
        key = _write_key_file(path, stored.value.encode())
        if key != stored.value.encode():
            raise HashKeyError(f"{path} holds another key than the one this database was made with")
        await session.delete(stored)
    elif recorded is None:
        key = _read_key_file(path) if path.exists() else _write_key_file(path, secrets.token_hex(32).encode())
    else:
        key = _existing_key(path)
    if recorded is None:
        session.add(LrsMeta(key=FINGERPRINT, value=fingerprint(key)))
    elif recorded.value != fingerprint(key):
        raise HashKeyError(
            f"{path} is not the key file this database was made with: copy the right one from the host"
            " that first ran it, or set LRS_SECRET_KEY to the key it holds"
        )
    await session.flush()
    return key


def _existing_key(path: Path) -> bytes:
    if not path.exists():
        raise HashKeyError(
            f"no key file at {path}: this database's credential hashes were made with a key kept in a"
            " key file; copy it here from the host that first ran it (see docs/operations.md), or set"
            " LRS_SECRET_KEY to the key it holds"
        )
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if not key:
        raise HashKeyError(f"the key file {path} is empty")
    return key


def _write_key_file(path: Path, key: bytes) -> bytes:
    """Create the key file (0600) with `key`, atomically; if another process made it first, its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, key + b"\n")
        os.fsync(handle)
        os.close(handle)
        try:
            os.link(temporary, path)  # fails if the file exists: never overwrite a key
        except FileExistsError:
            return _read_key_file(path)
        return key
    finally:
        os.unlink(temporary)
