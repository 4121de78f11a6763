"""Typed reads of raw definition values (from TOML or JSON), each failure naming its key path."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lrs.errors import InvalidRequest

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")


class DefinitionError(InvalidRequest):
    """A programme definition breaks a rule. `field` is the key path, `source` the file (if any)."""

    def __init__(self, field: str, message: str, source: str = "") -> None:
        super().__init__(field, message)
        self.source = source

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.field}: {self.message}"

    def in_source(self, source: str) -> DefinitionError:
        return DefinitionError(self.field, self.message, source)


def table(
    value: object, path: str, *, required: Collection[str], optional: Collection[str]
) -> dict[str, Any]:
    """A table (mapping) with exactly these keys: missing required and unknown keys are errors."""
    if not isinstance(value, Mapping):
        raise DefinitionError(path, f"must be a table, not {_kind(value)}")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        allowed = ", ".join(sorted({*required, *optional}))
        raise DefinitionError(_join(path, unknown[0]), f"unknown key (allowed here: {allowed})")
    for key in required:
        if key not in value:
            raise DefinitionError(_join(path, key), "is required")
    return dict(value)


def array(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise DefinitionError(path, f"must be an array, not {_kind(value)}")
    return value


def text(value: object, path: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise DefinitionError(path, f"must be a string, not {_kind(value)}")
    if not allow_empty and not value.strip():
        raise DefinitionError(path, "must not be empty")
    return value.strip()


def slug(value: object, path: str) -> str:
    result = text(value, path)
    if _SLUG.fullmatch(result) is None:
        raise DefinitionError(path, f"{result!r} must be a slug: lower-case letters, digits and hyphens")
    return result


def slugs(value: object, path: str) -> tuple[str, ...]:
    return tuple(slug(item, f"{path}[{index}]") for index, item in enumerate(array(value, path)))


def iri(value: object, path: str) -> str:
    result = text(value, path)
    if _IRI.fullmatch(result) is None:
        raise DefinitionError(path, f"{result!r} must be an absolute IRI such as https://...")
    return result


def email(value: object, path: str) -> str:
    result = text(value, path)
    if _EMAIL.fullmatch(result) is None:
        raise DefinitionError(path, f"{result!r} is not an e-mail address")
    return result


def is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


def boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise DefinitionError(path, f"must be true or false, not {_kind(value)}")
    return value


def number(value: object, path: str, *, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DefinitionError(path, f"must be a number, not {_kind(value)}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise DefinitionError(path, f"{value!r} must be {bounds}")
    return float(value)


def integer(value: object, path: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(path, f"must be an integer, not {_kind(value)}")
    if value < low:
        raise DefinitionError(path, f"{value} must be at least {low}")
    return value


def calendar_date(value: object, path: str) -> date:
    """A TOML date or a "YYYY-MM-DD" string."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DefinitionError(path, f"must be a date like 2025-09-01, not {value!r}")


def zone(value: object, path: str) -> ZoneInfo:
    name = text(value, path)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DefinitionError(path, f"unknown time zone {name!r}") from None


def local_datetime(value: object, path: str, tz: ZoneInfo) -> datetime:
    """An aware datetime in `tz`. Wall-clock times must exist and be unambiguous there (BST/GMT)."""
    parsed = _datetime_value(value, path)
    if parsed.tzinfo is not None:
        return parsed.astimezone(tz)
    early, late = parsed.replace(tzinfo=tz, fold=0), parsed.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    round_trip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != parsed:
        raise DefinitionError(
            path, f"{parsed.isoformat()} does not exist in {tz.key} (the clocks go forward)"
        )
    raise DefinitionError(
        path, f"{parsed.isoformat()} happens twice in {tz.key} (the clocks go back): give a UTC offset"
    )


def _datetime_value(value: object, path: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise DefinitionError(path, f"must be a date-time like 2025-09-16T09:30:00, not {value!r}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__
