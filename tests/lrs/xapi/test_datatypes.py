"""IRIs, UUIDs, language tags and maps, hashes and extensions."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.xapi.datatypes import (
    check_extensions,
    check_iri,
    check_language_map,
    check_sha2_hex,
    check_uuid,
    copy_json,
)
from lrs.xapi.errors import XapiValidationError
from lrs.xapi.patterns import is_language_tag


@pytest.mark.parametrize(
    "tag",
    [
        "en",
        "en-US",
        "EN-gb",
        "tlh",
        "zh-Hant-TW",
        "sr-Latn-RS",
        "es-419",
        "de-CH-1901",
        "x-private",
        "i-klingon",
        "en-a-bbb-x-a-ccc",
        "zh-cmn-Hans-CN",
        "qaa-Qaaa-QM-x-southern",
    ],
)
def test_language_tags_accepted(tag: str) -> None:
    assert is_language_tag(tag)


@pytest.mark.parametrize(
    "tag", ["a12345", "a12345678", "", "en_US", "en-", "-en", "e", "en-US-", "toolongprimary1", "en--US"]
)
def test_language_tags_rejected(tag: str) -> None:
    assert not is_language_tag(tag)


@pytest.mark.parametrize(
    "iri",
    [
        "http://example.com",
        "https://w3id.org/xapi/cmi5/context/categories/cmi5",
        "urn:uuid:6690e6c9-3ef0",
        "tag:example.org,2024:x",
        "http://例え.jp/パス",
        "mailto:a@b.org",
    ],
)
def test_iris_accepted(iri: str) -> None:
    assert check_iri(iri, "f") == iri


@pytest.mark.parametrize(
    "iri", ["ab=c://should.fail.com", "should fail", "example.com/path", "http://a b.com", ":x", "http:", 12]
)
def test_iris_rejected(iri: object) -> None:
    with pytest.raises(XapiValidationError) as caught:
        check_iri(iri, "statement.verb.id")
    assert caught.value.field == "statement.verb.id"


@pytest.mark.parametrize(
    "value",
    [
        "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "00000000-0000-0000-0000-000000000000",
        "AA97B177-9383-1934-C543-0F91A7A02836",
    ],
)
def test_uuid_any_variant_or_version(value: str) -> None:
    assert check_uuid(value, "id") == value


@pytest.mark.parametrize(
    "value",
    [
        "6690e6c93ef04ed38b377f3964730bee",
        "{6690e6c9-3ef0-4ed3-8b37-7f3964730bee}",
        "6690e6c9-3ef0-4ed3-8b37-7f3964730bee ",
        "",
    ],
)
def test_uuid_rejects_other_forms(value: str) -> None:
    with pytest.raises(XapiValidationError):
        check_uuid(value, "id")


def test_sha2_lengths() -> None:
    for length in (56, 64, 96, 128):
        check_sha2_hex("a" * length, "sha2")
    for bad in ("a" * 40, "g" * 64, ""):
        with pytest.raises(XapiValidationError):
            check_sha2_hex(bad, "sha2")


def test_language_map_values_must_be_strings() -> None:
    with pytest.raises(XapiValidationError) as caught:
        check_language_map({"en-US": ["x"]}, "verb.display")
    assert caught.value.field == "verb.display.en-US"
    assert check_language_map({}, "verb.display") == {}


def test_extensions_copy_deeply_and_allow_null() -> None:
    value: dict[str, Any] = {"http://e.com/x": {"list": [1, {"a": None}]}}
    copied = check_extensions(value, "ext")
    copied["http://e.com/x"]["list"][1]["a"] = 2
    assert value["http://e.com/x"]["list"][1]["a"] is None


def test_copy_json_is_deep() -> None:
    value = {"a": [{"b": 1}]}
    copied = copy_json(value)
    copied["a"][0]["b"] = 2
    assert value == {"a": [{"b": 1}]}
