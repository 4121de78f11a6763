"""Reading request bodies within limits: size (aiohttp's client_max_size gives 413, also for chunked
bodies without Content-Length), JSON depth and total item count, so a hostile payload is refused before
it costs memory or recursion.

Handlers read bodies only through `read_body`: a request rewritten from the 1.0.3 alternate request
syntax carries its decoded `content` form field under `ALTERNATE_BODY` instead of a payload stream."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from lrs import json_codec
from lrs.errors import InvalidRequest, PayloadTooLarge
from lrs.http.context import SETTINGS

ALTERNATE_BODY = web.RequestKey("alternate_body", bytes)


async def read_body(request: web.Request) -> bytes:
    if ALTERNATE_BODY in request:
        return request[ALTERNATE_BODY]  # already bounded: it came out of a form read under client_max_size
    settings = request.app[SETTINGS]
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        raise PayloadTooLarge(
            f"request body of {request.content_length} bytes is over the limit of {settings.max_body_bytes}"
        )
    return await request.read()


def media_type(request: web.Request) -> str:
    return request.headers.get("Content-Type", "").partition(";")[0].strip().lower()


def parse_json(raw: bytes, *, field: str, max_depth: int, max_items: int) -> Any:
    """Parse JSON, refusing nesting deeper than `max_depth` and more than `max_items` values."""
    check_json_shape(raw, max_depth=max_depth, max_items=max_items, field=field)
    try:
        return json_codec.loads(raw)
    except (ValueError, RecursionError) as err:
        raise InvalidRequest(field, f"is not valid JSON ({err})") from None


# A JSON \u0000 escape, not itself escaped (an even run of backslashes before it stays literal text).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def refuse_nul_strings(raw: bytes, *, field: str) -> None:
    """A NUL character in any JSON string: PostgreSQL cannot store it, so neither database takes it."""
    if b"u0000" in raw and _NUL_ESCAPE.search(raw):
        raise InvalidRequest(field, "must not contain a NUL character (\\u0000) in any string")


def check_json_shape(raw: bytes, *, max_depth: int, max_items: int, field: str) -> None:
    """Cheap structural limits checked before parsing, at C speed: escaped backslashes and quotes are
    dropped, every byte but quotes, brackets and commas is deleted, the (now plain) strings are
    removed, and only what is left, the bare structure, is measured."""
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = _drop_plain_strings(raw.translate(_AS_PARENTHESES, _NOT_STRUCTURE))
    if skeleton.count(b",") >= max_items:
        raise PayloadTooLarge(f"{field}: JSON holds more than {max_items} values")
    nesting = skeleton.replace(b",", b"")
    if not _balanced_within(nesting, max_depth) and _walk_exceeds(nesting, max_depth):
        raise PayloadTooLarge(f"{field}: JSON nested deeper than {max_depth} levels")


def _drop_plain_strings(structure: bytes) -> bytes:
    """Remove every ``"..."`` (no escapes are left inside); an unpaired last quote stays, with what
    follows it, as a left-to-right match of ``"[^"]*"`` would leave it."""
    pieces = structure.split(b'"')
    if len(pieces) % 2:
        return b"".join(pieces[::2])
    return b"".join(pieces[:-1:2]) + b'"' + pieces[-1]


def _balanced_within(nesting: bytes, max_depth: int) -> bool:
    """True when ``nesting`` is balanced and at most ``max_depth`` deep. Each pass of the C-level
    replace removes every innermost ``()`` pair, that is one level of a balanced structure."""
    for _ in range(max_depth):
        if not nesting:
            return True
        nesting = nesting.replace(b"()", b"")
    return not nesting


def _walk_exceeds(nesting: bytes, max_depth: int) -> bool:
    """The exact walk, for unbalanced or too deep input: does the count of open brackets ever pass
    ``max_depth``? (A stray quote counts as a closer, as does any byte that is not an opener.)"""
    depth = 0
    for bracket in nesting:
        if bracket == _OPENER:
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


_NOT_STRUCTURE = bytes(set(range(256)) - set(b'"[]{},'))
_AS_PARENTHESES = bytes.maketrans(b"[{]}", b"(())")
_OPENER = ord("(")
