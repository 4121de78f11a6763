"""Results (Data 2.4.5): score, success, completion, response, duration, extensions."""

from __future__ import annotations

from typing import Any

from .datatypes import check_bool, check_extensions, check_number, check_object, check_string, fail
from .durations import check_duration

_RESULT_KEYS = frozenset(("score", "success", "completion", "response", "duration", "extensions"))
_SCORE_KEYS = frozenset(("scaled", "raw", "min", "max"))


def validate_result(data: object, *, field: str) -> dict[str, Any]:
    result = check_object(data, field, _RESULT_KEYS)
    copied: dict[str, Any] = {}
    for key, value in result.items():
        path = f"{field}.{key}"
        if key == "score":
            copied[key] = validate_score(value, field=path)
        elif key in ("success", "completion"):
            copied[key] = check_bool(value, path)
        elif key == "response":
            copied[key] = check_string(value, path)
        elif key == "duration":
            copied[key] = check_duration(value, path)
        else:
            copied[key] = check_extensions(value, path)
    return copied


def validate_score(data: object, *, field: str) -> dict[str, Any]:
    """scaled in [-1, 1]; min < max; min <= raw <= max where given (Data 2.4.5.1)."""
    score = check_object(data, field, _SCORE_KEYS)
    for key, value in score.items():
        check_number(value, f"{field}.{key}")
    scaled = score.get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        raise fail(f"{field}.scaled", "must be between -1 and 1")
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and not low < high:
        raise fail(f"{field}.max", "must be greater than min")
    if raw is not None and low is not None and raw < low:
        raise fail(f"{field}.raw", "must not be below min")
    if raw is not None and high is not None and raw > high:
        raise fail(f"{field}.raw", "must not be above max")
    return dict(score)
