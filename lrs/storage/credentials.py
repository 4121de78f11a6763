"""Credential store. Secrets are random tokens, so a keyed fast hash (HMAC-SHA256) is enough and keeps
authentication cheap on every request (a slow password hash caps a peer LRS at ~25 requests/s)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.scopes import Scope, parse_scopes
from lrs.storage.hash_key import load_hash_key as load_hash_key  # its callers import it from here
from lrs.storage.models import Credential


@dataclass(frozen=True)
class CredentialInfo:
    id: int
    key: str
    name: str
    scopes: frozenset[Scope]
    created_at: datetime
    revoked_at: datetime | None
    organisations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IssuedCredential:
    info: CredentialInfo
    secret: str  # shown once, never stored


def hash_secret(hash_key: bytes, secret: str) -> str:
    return hmac.new(hash_key, secret.encode(), hashlib.sha256).hexdigest()


def _info(row: Credential) -> CredentialInfo:
    return CredentialInfo(
        id=row.id,
        key=row.key,
        name=row.name,
        scopes=parse_scopes(row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        organisations=frozenset((row.organisations or "").split()),
    )


async def create_credential(
    session: AsyncSession,
    *,
    name: str,
    scopes: str,
    hash_key: bytes,
    now: datetime,
    key: str | None = None,
    secret: str | None = None,
    organisations: Sequence[str] = (),
) -> IssuedCredential:
    """A new credential; `key` and `secret` are random unless given (the demo derives its secret)."""
    parsed = parse_scopes(scopes)
    if not name.strip():
        raise ValueError("a credential needs a name")
    if organisations and parsed != {Scope.REPORTS_READ}:
        raise ValueError(
            "--organisation limits a credential to reports: use it with --scope reports/read alone"
        )
    # 256 bits; hex, so no command line takes it for an option ("-...")
    secret = secret if secret is not None else secrets.token_hex(32)
    row = Credential(
        key=key if key is not None else secrets.token_hex(10),
        secret_hash=hash_secret(hash_key, secret),
        name=name.strip(),
        scopes=" ".join(sorted(scope.value for scope in parsed)),
        organisations=" ".join(sorted(set(organisations))) or None,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return IssuedCredential(_info(row), secret)


class CredentialRevoked(Exception):
    """The key and secret match a credential that has been revoked."""


async def authenticate(
    session: AsyncSession, *, key: str, secret: str, hash_key: bytes
) -> CredentialInfo | None:
    """The credential, or None for an unknown key or a wrong secret. Raises CredentialRevoked only
    when the secret matches, so a guess learns nothing about which keys exist."""
    row = (await session.execute(select(Credential).where(Credential.key == key))).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.secret_hash, hash_secret(hash_key, secret)):
        return None
    if row.revoked_at is not None:
        raise CredentialRevoked(key)
    return _info(row)


async def list_credentials(session: AsyncSession) -> list[CredentialInfo]:
    rows = (await session.execute(select(Credential).order_by(Credential.id))).scalars()
    return [_info(row) for row in rows]


async def revoke_credential(session: AsyncSession, *, key: str, now: datetime) -> bool:
    row = (await session.execute(select(Credential).where(Credential.key == key))).scalar_one_or_none()
    if row is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = now
    return True
