"""Durations (Data 4.6): ISO 8601:2004 4.4.3.2 ``PnYnMnDTnHnMnS`` or ``PnW``, never the alternative format.

A decimal fraction is allowed on the lowest-order component only (ISO 8601 4.4.3.2). For statement
comparison the spec tells LRSs to ignore precision beyond 0.01 s, which ``comparable_duration`` applies.
"""

from __future__ import annotations

import re

from .errors import XapiValidationError

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?:({_NUMBER})W|(?=\d|T\d)(?:({_NUMBER})Y)?(?:({_NUMBER})M)?(?:({_NUMBER})D)?"
    rf"(?:T(?=\d)(?:({_NUMBER})H)?(?:({_NUMBER})M)?(?:({_NUMBER})S)?)?)",
    re.ASCII,
)
_SECONDS_FRACTION = re.compile(r"(\d+)[.,](\d+)S$", re.ASCII)


def check_duration(value: object, field: str) -> str:
    """Return ``value`` if it is an ISO 8601 duration, else raise naming ``field``."""
    if type(value) is not str:
        raise XapiValidationError(field, "must be an ISO 8601 duration string")
    match = _DURATION.fullmatch(value)
    if match is None:
        raise XapiValidationError(field, "must be an ISO 8601 duration such as PT1H30M or P2W")
    present = [part for part in match.groups() if part is not None]
    if any("." in part or "," in part for part in present[:-1]):
        raise XapiValidationError(field, "only the smallest component may have a fraction")
    return value


def comparable_duration(value: str) -> str:
    """The duration string truncated to 0.01 s, for statement comparison (Data 2.4.5 Result)."""
    match = _SECONDS_FRACTION.search(value)
    if match is None:
        return value
    hundredths = match.group(2)[:2].rstrip("0")
    seconds = match.group(1) + ("." + hundredths if hundredths else "")
    return value[: match.start()] + seconds + "S"
