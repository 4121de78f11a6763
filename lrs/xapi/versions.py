"""The ``X-Experience-API-Version`` header: which xAPI versions this LRS speaks and how to pick one."""

from __future__ import annotations

import re

from .errors import XapiValidationError

SUPPORTED_VERSIONS = ("1.0.3", "2.0.0")
VERSION_HEADER = "X-Experience-API-Version"

_VERSION = re.compile(r"([12])\.0(?:\.(0|[1-9][0-9]*))?", re.ASCII)
_SERVED_VERSION = {"1": "1.0.3", "2": "2.0.0"}


def negotiate_version(header: str | None) -> str:
    """Map a client's version header to the version of the spec this LRS applies.

    Any 1.0 patch level ("1.0", "1.0.0" ... "1.0.x") is served as 1.0.3 and any 2.0 patch level as
    2.0.0 (Communication 3.3: patch versions are compatible, the LRS answers with its latest patch).
    """
    if header is None:
        raise XapiValidationError(VERSION_HEADER, "header is required")
    match = _VERSION.fullmatch(header.strip())
    if match is None:
        raise XapiValidationError(VERSION_HEADER, f"unsupported version {header!r}; supported: 1.0.x, 2.0.x")
    return _SERVED_VERSION[match.group(1)]


def statement_version_matches(statement_version: str, version: str) -> bool:
    """Tell whether a statement's ``version`` property is acceptable under the negotiated version.

    1.0.3 accepts "1.0" and "1.0.x" (Data 2.4.10). 2.0.0 accepts those too, plus "2.0" and "2.0.x": an LRS
    MUST retain the version a statement was accepted with, and the 2.0 conformance suite posts 1.0.x
    statements under a 2.0 header and expects them to be stored.
    """
    match = _VERSION.fullmatch(statement_version)
    if match is None:
        return False
    return version == "2.0.0" or _SERVED_VERSION[match.group(1)] == version
