"""`more` cursors for statement pages: the query state, signed, so that a forged or edited cursor is
a 400 before any of it is parsed (no crafted `_after`, no nested `agent` smuggled past the checks)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from lrs.errors import InvalidRequest

MAX_CURSOR_CHARS = 16_384  # far above any cursor this LRS issues (the query it repeats fits a URL)
_SIGNATURE_BYTES = 16


def cursor_key(hash_key: bytes) -> bytes:
    """A key of its own for cursors, derived from the store's hash key."""
    return hmac.new(hash_key, b"statement-more-cursor", hashlib.sha256).digest()


def sign_cursor(state: dict[str, str], key: bytes) -> str:
    body = _b64(json.dumps(state, separators=(",", ":")).encode())
    return f"{body}.{_b64(_signature(key, body))}"


def open_cursor(token: str, key: bytes) -> dict[str, str]:
    """The state a genuine cursor carries; InvalidRequest("more") for anything else."""
    body, _, signature = token.partition(".")
    if len(token) > MAX_CURSOR_CHARS or not _genuine(body, signature, key):
        raise InvalidRequest("more", "is not a token this LRS issued")
    state = json.loads(_unb64(body))
    if not isinstance(state, dict) or not all(isinstance(v, str) for v in state.values()):
        raise InvalidRequest("more", "is not a token this LRS issued")
    return state


def _genuine(body: str, signature: str, key: bytes) -> bool:
    try:
        return hmac.compare_digest(_unb64(signature), _signature(key, body))
    except (binascii.Error, ValueError):
        return False


def _signature(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
