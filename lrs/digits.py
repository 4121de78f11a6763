"""Whole numbers in text: ASCII digits only, and few enough to fit a signed 64-bit column on both
databases. `str.isdigit()` also takes "²" and "①", which `int()` refuses, and `int()` refuses more
than 4,300 digits: a check that lets either through turns a bad parameter into a 500."""

from __future__ import annotations

MAX_DIGITS = 18


def is_whole_number(raw: str, *, max_digits: int = MAX_DIGITS) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) <= max_digits
