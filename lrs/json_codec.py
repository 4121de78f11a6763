"""JSON on the hot paths: orjson where it is exact, the standard library where it is not.

orjson turns integers beyond 64 bits into floats on the way in and refuses them on the way out; a
statement must come back exactly as it was sent, so such documents take the standard library.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# 19+ digits in a row may not fit in 64 bits (a digit run inside a string just takes the exact slow
# path). Found at C speed: every ASCII digit becomes "9" and every other byte "_", then a substring test.
_LONG_DIGIT_RUN = b"9" * 19
_DIGITS_AS_NINES = bytes(ord("9") if byte in b"0123456789" else ord("_") for byte in range(256))


def loads(raw: bytes | str) -> Any:
    """Parse JSON; raises ValueError (or RecursionError for absurd nesting) on bad input."""
    data = raw.encode() if isinstance(raw, str) else raw
    if _LONG_DIGIT_RUN in data.translate(_DIGITS_AS_NINES):
        return json.loads(data)
    return orjson.loads(data)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII kept as is."""
    return dumps_bytes(value).decode()


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def dumps_sorted(value: Any) -> str:
    """Compact JSON with sorted keys: a stable form for hashing."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
