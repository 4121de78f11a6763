"""Timestamps (Data 4.5): ISO 8601 date-times as RFC 3339 profiles them.

Both versions reject an unknown local offset (``-00:00``, ``-0000``, ``-00``): RFC 3339 4.3 reserves it
and the conformance suites for 1.0.3 and 2.0 both expect a 400. 1.0.3 only says a timestamp SHOULD*
carry a time zone, so a missing offset is read as UTC there; IEEE 9274.1.1 turns that into a
requirement, so 2.0.0 rejects it. 1.0.3 also admits the ISO 8601 basic format (XAPI-00123).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from .errors import XapiValidationError

_EXTENDED = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?",
    re.ASCII,
)
_BASIC = re.compile(
    r"(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(\d{2})?)?",
    re.ASCII,
)


def parse_timestamp(value: str, *, field: str, require_offset: bool = False) -> datetime:
    """Parse an xAPI timestamp into an aware datetime (UTC assumed when no offset is given)."""
    match = _EXTENDED.fullmatch(value) or (None if require_offset else _BASIC.fullmatch(value))
    if match is None:
        raise XapiValidationError(field, "must be an ISO 8601 / RFC 3339 date-time")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if sign is not None:
        if sign == "-" and off_h == "00" and off_m in (None, "00"):
            raise XapiValidationError(field, "the offset -00:00 is not allowed (RFC 3339 4.3)")
        offset_minutes = int(off_h) * 60 + int(off_m or 0)
        tz = timezone(timedelta(minutes=-offset_minutes if sign == "-" else offset_minutes))
    elif zulu is not None:
        tz = UTC
    elif require_offset:
        raise XapiValidationError(field, "must include a time zone offset or Z")
    else:
        tz = UTC
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError as err:
        raise XapiValidationError(field, f"is not a real date-time ({err})") from None


def format_timestamp(moment: datetime) -> str:
    """Render an aware datetime in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (microseconds, always "Z")."""
    if moment.tzinfo is None:
        raise ValueError("format_timestamp needs an aware datetime")
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y does not pad these to four digits, isoformat does
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:-6] + "Z"  # C speed; drops the "+00:00"


def normalise_timestamp(value: object, *, field: str, version: str) -> str:
    """Validate a statement timestamp; 2.0.0 returns it converted to UTC, 1.0.3 returns it as sent."""
    if type(value) is not str:
        raise XapiValidationError(field, "must be a timestamp string")
    moment = parse_timestamp(value, field=field, require_offset=version != "1.0.3")
    if version == "1.0.3":
        return value
    return format_timestamp(moment)
