"""Staff sessions as signed cookies: who signed in, when, when last seen, and the session's CSRF token.

The cookie value is `base64url(json).base64url(hmac-sha256)`, keyed from the install's hash key, so it
cannot be forged or altered. Nothing personal travels in it: a user id, three numbers and the CSRF token.
The account's session generation travels too: signing out moves it on, ending the account's sessions.
A session ends after IDLE_SECONDS without a request or ABSOLUTE_SECONDS after sign-in, whichever comes first.
Pure functions of the time given, so the timeouts are tested without waiting.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

COOKIE_NAME = "lrs_staff_session"
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60


@dataclass(frozen=True)
class StaffSession:
    user_id: int
    signed_in_at: int  # epoch seconds
    last_seen_at: int
    csrf: str
    generation: int = 0  # the account's session generation when signed in (sign-out moves it on)


def session_key(hash_key: bytes) -> bytes:
    return hmac.new(hash_key, b"staff-session-cookie", hashlib.sha256).digest()


def new_session(user_id: int, now: datetime, generation: int = 0) -> StaffSession:
    at = int(now.timestamp())
    return StaffSession(user_id, at, at, secrets.token_urlsafe(24), generation)


def seen(staff: StaffSession, now: datetime) -> StaffSession:
    return replace(staff, last_seen_at=int(now.timestamp()))


def encode_session(staff: StaffSession, key: bytes) -> str:
    body = json.dumps(
        {
            "u": staff.user_id,
            "i": staff.signed_in_at,
            "s": staff.last_seen_at,
            "c": staff.csrf,
            "g": staff.generation,
        },
        separators=(",", ":"),
    ).encode()
    payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
    return f"{payload}.{_signature(payload, key)}"


def decode_session(value: str, key: bytes, now: datetime) -> StaffSession | None:
    """The session in a cookie value, or None if it is forged, malformed, idle too long or too old."""
    payload, _, signature = value.partition(".")
    if not signature or not hmac.compare_digest(signature, _signature(payload, key)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        staff = StaffSession(int(data["u"]), int(data["i"]), int(data["s"]), str(data["c"]), int(data["g"]))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    at = now.timestamp()
    if at - staff.last_seen_at > IDLE_SECONDS or at - staff.signed_in_at > ABSOLUTE_SECONDS:
        return None
    return staff


def csrf_valid(staff: StaffSession, submitted: str) -> bool:
    return bool(submitted) and hmac.compare_digest(staff.csrf, submitted)


def _signature(payload: str, key: bytes) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
