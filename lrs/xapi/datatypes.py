"""Shape and format checks for the xAPI special data types (Data 4.0): JSON types, IRIs, UUIDs, language
tags and maps, mailboxes, hashes and extensions.

Every checker takes the value and the dotted field path, raises ``XapiValidationError`` naming that path,
and returns the value (copied where it is a container) so validators can build their normalised copy in
one pass.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .errors import XapiValidationError
from .patterns import MAX_IRI_LENGTH, MEDIA_TYPE, SHA1_HEX, SHA2_HEX, UUID, is_iri, is_language_tag, is_mbox


def fail(field: str, message: str) -> XapiValidationError:
    """Build the error for ``field``; callers ``raise fail(...)`` so the raise stays visible."""
    return XapiValidationError(field, message)


def check_object(data: object, field: str, allowed: Collection[str]) -> dict[str, Any]:
    """Require a JSON object whose keys are all in ``allowed`` and whose values are not null."""
    if type(data) is not dict:
        raise fail(field, f"must be an object, got {_json_type(data)}")
    for key, value in data.items():
        if key not in allowed:
            raise fail(f"{field}.{key}", "is not an allowed property here")
        if value is None:
            raise fail(f"{field}.{key}", "must not be null")
    return data


def require(data: dict[str, Any], key: str, field: str) -> Any:
    """Return ``data[key]`` or raise a "required" error naming ``field.key``."""
    try:
        return data[key]
    except KeyError:
        raise fail(f"{field}.{key}", "is required") from None


def check_string(value: object, field: str) -> str:
    if type(value) is not str:
        raise fail(field, f"must be a string, got {_json_type(value)}")
    return value


def check_bool(value: object, field: str) -> bool:
    if type(value) is not bool:
        raise fail(field, f"must be a boolean, got {_json_type(value)}")
    return value


def check_number(value: object, field: str) -> int | float:
    if type(value) is not int and type(value) is not float:
        raise fail(field, f"must be a number, got {_json_type(value)}")
    return value


def check_non_negative_int(value: object, field: str) -> int:
    if type(value) is not int or value < 0:
        raise fail(field, "must be a non-negative integer")
    return value


def check_list(value: object, field: str) -> list[Any]:
    if type(value) is not list:
        raise fail(field, f"must be an array, got {_json_type(value)}")
    return value


def check_iri(value: object, field: str) -> str:
    """An absolute IRI (or IRL): scheme, colon, no whitespace (Data 4.? IRIs, RFC 3987)."""
    if type(value) is str and len(value) > MAX_IRI_LENGTH:
        raise fail(field, f"must be an IRI of at most {MAX_IRI_LENGTH} characters, got {len(value)}")
    if type(value) is not str or not is_iri(value):
        raise fail(field, "must be an absolute IRI")
    return value


def check_uuid(value: object, field: str) -> str:
    """A UUID in the standard 8-4-4-4-12 hex string form (RFC 4122); any variant and version."""
    if type(value) is not str or UUID.fullmatch(value) is None:
        raise fail(field, "must be a UUID string")
    return value


def check_mbox(value: object, field: str) -> str:
    if type(value) is not str or not is_mbox(value):
        raise fail(field, 'must be a "mailto:" IRI with an e-mail address')
    return value


def check_sha1_hex(value: object, field: str) -> str:
    if type(value) is not str or SHA1_HEX.fullmatch(value) is None:
        raise fail(field, "must be a SHA-1 hash as 40 hexadecimal characters")
    return value


def check_sha2_hex(value: object, field: str) -> str:
    if type(value) is not str or SHA2_HEX.fullmatch(value) is None:
        raise fail(field, "must be a SHA-2 hash in hexadecimal")
    return value


def check_media_type(value: object, field: str) -> str:
    if type(value) is not str or MEDIA_TYPE.fullmatch(value) is None:
        raise fail(field, "must be an Internet Media Type such as text/plain")
    return value


def check_language_tag(value: object, field: str) -> str:
    if type(value) is not str or not is_language_tag(value):
        raise fail(field, "must be an RFC 5646 language tag")
    return value


def check_language_map(value: object, field: str) -> dict[str, str]:
    """A language map: RFC 5646 tags as keys, strings as values (Data 4.2)."""
    if type(value) is not dict:
        raise fail(field, f"must be a language map object, got {_json_type(value)}")
    for tag, text in value.items():
        if not is_language_tag(tag):
            raise fail(f"{field}.{tag}", "key must be an RFC 5646 language tag")
        if type(text) is not str:
            raise fail(f"{field}.{tag}", "must be a string")
    return dict(value)


def check_extensions(value: object, field: str) -> dict[str, Any]:
    """Extensions: IRI keys, any JSON values; null is allowed here alone (Data 2.2.s4.b1.b1)."""
    if type(value) is not dict:
        raise fail(field, f"must be an object, got {_json_type(value)}")
    for key in value:
        if not is_iri(key):
            raise fail(f"{field}.{key}", "extension key must be an absolute IRI")
    return {key: copy_json(item) for key, item in value.items()}


def copy_json(value: Any) -> Any:
    """Deep-copy a parsed JSON value (dicts, lists, scalars) faster than ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }.get(type(value), type(value).__name__)
