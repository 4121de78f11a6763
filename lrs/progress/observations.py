"""What the projection needs from one statement: verb, object, time and result, nothing personal."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lrs.xapi.timestamps import parse_timestamp

# Years and months have no fixed length; time spent uses 365 and 30 days, as reports usually do.
_UNIT_SECONDS = {"Y": 365 * 86400, "M": 30 * 86400, "W": 7 * 86400, "D": 86400}
_TIME_SECONDS = {"H": 3600, "M": 60, "S": 1}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)([YMWDHS])")


@dataclass(frozen=True)
class Observation:
    statement_id: str
    verb: str
    object_id: str
    timestamp: datetime
    score_scaled: float | None = None
    score_raw: float | None = None
    success: bool | None = None
    completion: bool | None = None
    duration_ms: int = 0


def observation_from(statement: Mapping[str, Any]) -> Observation | None:
    """The observation in a stored statement, or None when its object is not an Activity."""
    target = statement.get("object") or {}
    if target.get("objectType", "Activity") != "Activity" or "id" not in target:
        return None
    result = statement.get("result") or {}
    score = result.get("score") or {}
    return Observation(
        statement_id=str(statement["id"]),
        verb=str(statement["verb"]["id"]),
        object_id=str(target["id"]),
        timestamp=parse_timestamp(str(statement.get("timestamp") or statement["stored"]), field="timestamp"),
        score_scaled=_scaled(score),
        score_raw=_number(score.get("raw")),
        success=result.get("success"),
        completion=result.get("completion"),
        duration_ms=_duration_ms(result.get("duration")),
    )


def _scaled(score: Mapping[str, Any]) -> float | None:
    scaled = _number(score.get("scaled"))
    if scaled is not None:
        return scaled
    raw, low, high = (_number(score.get(key)) for key in ("raw", "min", "max"))
    if raw is None or low is None or high is None or high <= low:
        return None
    return (raw - low) / (high - low)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _duration_ms(value: Any) -> int:
    """Milliseconds in an ISO 8601 duration the LRS has already validated (0 when absent)."""
    if not isinstance(value, str) or not value.startswith("P"):
        return 0
    date_part, _, time_part = value[1:].partition("T")
    seconds = 0.0
    for part, units in ((date_part, _UNIT_SECONDS), (time_part, _TIME_SECONDS)):
        for number, unit in _PART.findall(part):
            seconds += float(number.replace(",", ".")) * units.get(unit, 0)
    return round(seconds * 1000)
