"""Signed, expiring, purpose-bound links for learners: the preferences page and one-click unsubscribe.

A token is `learner_id.purpose.expires.signature`, the signature an HMAC-SHA256 over the rest with
the install's hash key. It carries no personal data (only the learner's number)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import urlencode

PURPOSES = ("preferences", "unsubscribe")
DEFAULT_LIFETIME = timedelta(days=90)


class LinkProblem(ValueError):
    """A token that is malformed, for another purpose, expired or not signed by this install."""


class LinkExpired(LinkProblem):
    """A genuine token whose lifetime is over (a page can say "expired" rather than "not valid")."""


def _signature(payload: str, key: bytes) -> str:
    digest = hmac.new(key, f"notify-link:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(
    learner_id: int, purpose: str, key: bytes, *, now: datetime, lifetime: timedelta = DEFAULT_LIFETIME
) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    payload = f"{learner_id}.{purpose}.{int((now + lifetime).timestamp())}"
    return f"{payload}.{_signature(payload, key)}"


def verify_token(token: str, purpose: str, key: bytes, *, now: datetime) -> int:
    """The learner id the token was made for; LinkProblem when it must not be honoured."""
    parts = token.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit():
        raise LinkProblem("t: not a notification link token")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(payload, key)):
        raise LinkProblem("t: signature does not match")
    if parts[1] != purpose:
        raise LinkProblem(f"t: token is for {parts[1]}, not {purpose}")
    if int(parts[2]) < now.timestamp():
        raise LinkExpired("t: link has expired")
    return int(parts[0])


def _url(base_url: str, path: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{path}?{urlencode({'t': token})}"


def preferences_url(base_url: str, learner_id: int, key: bytes, *, now: datetime) -> str:
    return _url(base_url, "/notifications/preferences", make_token(learner_id, "preferences", key, now=now))


def unsubscribe_url(base_url: str, learner_id: int, key: bytes, *, now: datetime) -> str:
    return _url(base_url, "/notifications/unsubscribe", make_token(learner_id, "unsubscribe", key, now=now))
