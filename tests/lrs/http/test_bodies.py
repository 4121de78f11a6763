"""The structural limits checked before a JSON body is parsed: nesting depth and value count."""

from __future__ import annotations

import pytest

from lrs.errors import PayloadTooLarge
from lrs.http.bodies import check_json_shape


def shape_error(raw: bytes, *, max_depth: int = 3, max_items: int = 100) -> str | None:
    try:
        check_json_shape(raw, max_depth=max_depth, max_items=max_items, field="body")
    except PayloadTooLarge as err:
        return str(err)
    return None


@pytest.mark.parametrize(
    "raw",
    [
        b"[[[1]]]",
        b'{"a": [{"b": 1}, {"c": 2}], "d": []}',
        b'["[[[[", "{{{{", "\\"[[[[", "\\\\"]',  # brackets inside strings, escaped quotes and backslashes
        b"[]",
        b"1",
    ],
)
def test_within_the_depth_limit(raw: bytes) -> None:
    assert shape_error(raw) is None


@pytest.mark.parametrize("raw", [b"[[[[1]]]]", b'{"a": {"b": {"c": {}}}}', b"[[[[", b'"[[[[[', b"]][[[[[["])
def test_deeper_than_the_limit(raw: bytes) -> None:
    assert shape_error(raw) == "body: JSON nested deeper than 3 levels"


@pytest.mark.parametrize("raw", [b"]]][[[[[", b'[[["]]]]', b"[[[}}}[[["])
def test_malformed_input_is_left_to_the_parser_when_never_too_deep(raw: bytes) -> None:
    assert shape_error(raw) is None


def test_value_count() -> None:
    assert shape_error(b"[1, 2, 3]", max_items=2) == "body: JSON holds more than 2 values"
    assert shape_error(b'["a,b,c,d"]', max_items=2) is None
