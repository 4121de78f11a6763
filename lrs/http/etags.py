"""Optimistic concurrency for documents (xAPI 1.0.3 Communication 3.1, IEEE 9274.1.1 4.1.4).

ETags are the quoted SHA-1 hex of a document. If-Match is compared strongly and If-None-Match weakly
(RFC 9110 13.1.1-13.1.2); "*" matches any current document. A failed precondition is 412. A PUT that
would overwrite an existing document without either header is 409 where the spec requires one of them
(see MissingHeaders for which).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lrs.errors import InvalidRequest, PreconditionFailed, PreconditionRequired
from lrs.storage.documents import StoredDocument

_ENTITY_TAG = re.compile(r'\s*(?:(W/)?"([^"]*)"|([^\s,]+))\s*(?:,|$)')


class MissingHeaders(enum.Enum):
    """What a request without If-Match and If-None-Match may do."""

    ALLOWED = "allowed"
    # Overwriting an existing document is a 409; creating one is fine (every 2.0.0 document PUT).
    CONFLICT_IF_EXISTS = "conflict-if-exists"
    # 1.0.3 Communication 3.1: a client PUTting a profile MUST send one of them; 409 when the
    # document exists, otherwise 400 for the missing header.
    REQUIRED = "required"


@dataclass(frozen=True)
class EntityTag:
    opaque: str  # "*" for the wildcard
    weak: bool = False


@dataclass(frozen=True)
class Preconditions:
    """The If-Match / If-None-Match headers of one request; None when a header is absent."""

    if_match: tuple[EntityTag, ...] | None
    if_none_match: tuple[EntityTag, ...] | None
    missing: MissingHeaders = MissingHeaders.ALLOWED

    def check(self, current: StoredDocument | None) -> None:
        """Raise unless the request may act on `current` (None: no document yet)."""
        if self.if_match is not None and not _matches(self.if_match, current, strong=True):
            raise PreconditionFailed(
                "If-Match does not match the current document"
                + ("" if current is not None else " (there is none)")
            )
        if self.if_none_match is not None and _matches(self.if_none_match, current, strong=False):
            raise PreconditionFailed("If-None-Match matches the current document")
        if self._given or self.missing is MissingHeaders.ALLOWED:
            return
        if current is not None:
            raise PreconditionRequired(
                "the document already exists: GET it, then repeat the request with If-Match set to its "
                'ETag (or send If-None-Match: "*" to create a document only when there is none)'
            )
        if self.missing is MissingHeaders.REQUIRED:
            raise InvalidRequest(
                "If-Match", 'or If-None-Match is required (send If-None-Match: "*" to create a document)'
            )

    @property
    def _given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None


def preconditions(
    headers: Mapping[str, str], *, missing: MissingHeaders = MissingHeaders.ALLOWED
) -> Preconditions:
    return Preconditions(
        if_match=_tags(headers.get("If-Match")),
        if_none_match=_tags(headers.get("If-None-Match")),
        missing=missing,
    )


def etag_header(etag: str) -> str:
    return f'"{etag}"'


def _tags(raw: str | None) -> tuple[EntityTag, ...] | None:
    if raw is None:
        return None
    tags: list[EntityTag] = []
    for match in _ENTITY_TAG.finditer(raw):
        weak, quoted, bare = match.groups()
        if quoted is not None:
            tags.append(EntityTag(quoted, weak=bool(weak)))
        elif bare:
            # Some clients send the hex digest without quotes; read it as the tag they meant.
            tags.append(EntityTag(bare))
    return tuple(tags)


def _matches(tags: tuple[EntityTag, ...], current: StoredDocument | None, *, strong: bool) -> bool:
    if current is None:
        return False
    for tag in tags:
        if tag.opaque == "*" and not tag.weak:
            return True
        if tag.opaque.lower() == current.etag and not (strong and tag.weak):
            return True
    return False
