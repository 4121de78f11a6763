"""What a completions query asks for, parsed from request parameters; bad input names the parameter."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from lrs.digits import is_whole_number
from lrs.errors import InvalidRequest

ITEM_TYPES = frozenset({"module", "session", "block", "programme"})
STATUSES = frozenset(
    {"not_started", "in_progress", "completed", "passed", "failed", "waived", "attended", "absent"}
)
FILTER_PARAMS = ("organisation", "programme", "cohort", "item_type", "status", "since")
WATERMARK_PREFIX = "c"
_BIGINT = (-(2**63), 2**63 - 1)  # change sequences and record ids are 64-bit


@dataclass(frozen=True)
class CompletionFilters:
    organisations: frozenset[str] = frozenset()  # empty: every organisation the caller may read
    programme: str | None = None
    cohort: str | None = None
    item_type: str | None = None
    status: str | None = None
    since_seq: int | None = None  # from a high_watermark: changes after it
    since_time: datetime | None = None  # from an ISO 8601 time: updated_at after it

    def fingerprint(self) -> str:
        """Identifies the query a cursor belongs to."""
        fields: list[object] = [sorted(self.organisations), self.programme, self.cohort, self.item_type]
        fields += [self.status, self.since_seq, self.since_time.isoformat() if self.since_time else None]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the pass's upper bound and the last (change_seq, record id) returned."""

    upper: int
    seq: int
    record_id: int


def parse_filters(params: Mapping[str, str]) -> CompletionFilters:
    organisations = frozenset(o for o in params.get("organisation", "").split(",") if o.strip())
    item_type = _choice(params, "item_type", ITEM_TYPES)
    status = _choice(params, "status", STATUSES)
    since_seq, since_time = parse_since(params.get("since"))
    return CompletionFilters(
        organisations=frozenset(o.strip() for o in organisations),
        programme=params.get("programme") or None,
        cohort=params.get("cohort") or None,
        item_type=item_type,
        status=status,
        since_seq=since_seq,
        since_time=since_time,
    )


def _choice(params: Mapping[str, str], name: str, allowed: frozenset[str]) -> str | None:
    value = params.get(name) or None
    if value is not None and value not in allowed:
        raise InvalidRequest(name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def parse_since(raw: str | None) -> tuple[int | None, datetime | None]:
    """A high_watermark (`c` and digits) or an ISO 8601 time with a timezone."""
    if not raw:
        return None, None
    if raw.startswith(WATERMARK_PREFIX) and is_whole_number(raw[1:]):
        if len(raw) > 20 or int(raw[1:]) > _BIGINT[1]:
            raise InvalidRequest("since", "not a high_watermark this server gave (too large)")
        return int(raw[1:]), None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest("since", f"{raw!r} is neither a high_watermark nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InvalidRequest("since", f"{raw!r} needs a timezone (for example Z)")
    return None, moment.astimezone(UTC)


def watermark(upper: int) -> str:
    return f"{WATERMARK_PREFIX}{upper - 1}"


def encode_cursor(filters: CompletionFilters, cursor: Cursor) -> str:
    raw = json.dumps([filters.fingerprint(), cursor.upper, cursor.seq, cursor.record_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(filters: CompletionFilters, token: str) -> Cursor:
    try:
        padded = token + "=" * (-len(token) % 4)
        fingerprint, upper, seq, record_id = json.loads(base64.urlsafe_b64decode(padded))
        cursor = Cursor(int(upper), int(seq), int(record_id))
        if not all(
            _BIGINT[0] <= value <= _BIGINT[1] for value in (cursor.upper, cursor.seq, cursor.record_id)
        ):
            raise ValueError("out of range")
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidRequest("cursor", "not a cursor this server issued") from None
    if fingerprint != filters.fingerprint():
        raise InvalidRequest("cursor", "it belongs to a query with other filters")
    return cursor
