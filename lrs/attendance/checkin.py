"""The facilitator's check-in on the day: signed per-session links, form CSRF tokens, marks from the form.

A link is `/checkin/{session}?token=...`: the token names the session, the facilitator and an expiry,
signed with HMAC-SHA256 under a key derived from the LRS's secret key. Whoever holds the link may
mark that one session's register until it expires (`lrs attendance checkin-link`), which is easier
on a phone than typing an admin credential.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lrs.attendance.marks import CurrentMark
from lrs.attendance.sessions import SessionPlan
from lrs.attendance.statements import (
    ABSENT_VERB,
    LATE_EXTENSION,
    AttendanceMark,
    Mark,
    MarkSource,
    Person,
    normal_email,
)
from lrs.errors import InvalidRequest

MARK_FIELD_PREFIX = "mark:"  # form field per learner: mark:<email> = present | late | absent


class LinkRejected(Exception):
    """The check-in link is malformed, forged, for another session or expired (message is safe to show)."""


@dataclass(frozen=True)
class FacilitatorLink:
    session_id: str
    facilitator: Person
    expires: datetime


def link_key(secret_key: bytes) -> bytes:
    """A key for check-in links only, so a link signature can never be replayed as anything else."""
    return hmac.new(secret_key, b"cohort-lrs/checkin-link/v1", hashlib.sha256).digest()


def sign_link(link: FacilitatorLink, key: bytes) -> str:
    payload = {
        "s": link.session_id,
        "f": normal_email(link.facilitator.email),
        "n": link.facilitator.name,
        "e": int(link.expires.timestamp()),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_signature(key, body))}"


def verify_link(token: str, key: bytes, *, session_id: str, now: datetime) -> FacilitatorLink:
    """The link a token carries, if genuine, for `session_id` and not expired; LinkRejected otherwise."""
    body, _, signature = token.partition(".")
    try:
        genuine = hmac.compare_digest(_unb64(signature), _signature(key, body))
        payload = json.loads(_unb64(body)) if genuine else None
    except (binascii.Error, ValueError):
        genuine, payload = False, None
    if not genuine or not isinstance(payload, dict):
        raise LinkRejected("This check-in link is not valid. Ask the programme team for a new one.")
    link = FacilitatorLink(
        str(payload["s"]), Person(str(payload["f"]), str(payload.get("n", ""))), _utc(int(payload["e"]))
    )
    if link.session_id != session_id:
        raise LinkRejected("This check-in link is for a different session.")
    if now >= link.expires:
        raise LinkRejected("This check-in link has expired. Ask the programme team for a new one.")
    return link


def link_id(token: str) -> str:
    """A link's id, safe to log and to show: a digest of its signature, so that any link, old or new,
    can be revoked by it (`lrs attendance revoke-link`) without the link itself being stored."""
    signature = token.rpartition(".")[2]
    return hashlib.sha256(f"checkin-link|{signature}".encode()).hexdigest()[:20]


def checkin_path(session_id: str, token: str) -> str:
    return f"/checkin/{session_id}?token={token}"


def csrf_token(key: bytes, nonce: str, session_id: str) -> str:
    """The form token for a browser's nonce cookie: a cross-site page knows neither."""
    return _b64(hmac.new(key, f"csrf|{session_id}|{nonce}".encode(), hashlib.sha256).digest())


def csrf_matches(key: bytes, nonce: str, session_id: str, submitted: str) -> bool:
    return bool(nonce) and hmac.compare_digest(csrf_token(key, nonce, session_id), submitted)


def checkin_marks(plan: SessionPlan, form: Mapping[str, str], facilitator: Person) -> list[AttendanceMark]:
    """Marks for the learners the form marks (unmarked learners are left as they are)."""
    marks = []
    for name, value in form.items():
        if not name.startswith(MARK_FIELD_PREFIX) or not value:
            continue
        attendee = plan.attendee(name.removeprefix(MARK_FIELD_PREFIX))
        if attendee is None:
            raise InvalidRequest(name, "is not a learner expected at this session")
        if value not in Mark._value2member_map_:
            raise InvalidRequest(name, f"{value!r} is not present, late or absent")
        marks.append(
            AttendanceMark(
                learner=Person(attendee.email, attendee.name),
                mark=Mark(value),
                source=MarkSource.CHECKIN,
                instructor=facilitator,
                registration=attendee.registration,
            )
        )
    return marks


@dataclass(frozen=True)
class RegisterLine:
    """One learner on the check-in page."""

    email: str
    name: str
    mark: Mark | None
    source: MarkSource | None


def register_lines(plan: SessionPlan, current: Mapping[str, CurrentMark]) -> list[RegisterLine]:
    lines = []
    for attendee in sorted(plan.attendees, key=lambda item: (item.name or item.email).lower()):
        found = current.get(normal_email(attendee.email))
        live = found if found is not None and not found.voided else None
        lines.append(
            RegisterLine(
                normal_email(attendee.email),
                attendee.name or attendee.email,
                mark_of(live.statement) if live else None,
                live.source if live else None,
            )
        )
    return lines


def mark_of(statement: Mapping[str, object]) -> Mark:
    verb = statement.get("verb")
    if isinstance(verb, Mapping) and verb.get("id") == ABSENT_VERB:
        return Mark.ABSENT
    result = statement.get("result")
    extensions = result.get("extensions") if isinstance(result, Mapping) else None
    late = isinstance(extensions, Mapping) and extensions.get(LATE_EXTENSION) is True
    return Mark.LATE if late else Mark.PRESENT


def mark_counts(lines: Sequence[RegisterLine]) -> dict[str, int]:
    counts = {mark.value: 0 for mark in Mark} | {"unmarked": 0}
    for line in lines:
        counts[line.mark.value if line.mark else "unmarked"] += 1
    return counts


def _signature(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
