"""The fast JSON codec never changes a value: big integers take the exact path."""

from __future__ import annotations

import pytest

from lrs import json_codec


def test_big_integers_survive_a_round_trip() -> None:
    raw = b'{"extensions": {"https://x.example/n": 123456789012345678901234567890}}'
    value = json_codec.loads(raw)
    assert value["extensions"]["https://x.example/n"] == 123456789012345678901234567890
    assert json_codec.dumps(value) == raw.decode().replace(": ", ":")


def test_unicode_kept_and_keys_sorted_for_hashing() -> None:
    assert json_codec.dumps({"name": "Caerdydd \u2013 Cyngor"}) == '{"name":"Caerdydd \u2013 Cyngor"}'
    assert json_codec.dumps_sorted({"b": 1, "a": 2}) == '{"a":2,"b":1}'


@pytest.mark.parametrize("bad", [b"{", b"[1,]", b"NaN", b'{"a": Infinity}'])
def test_invalid_json_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        json_codec.loads(bad)
