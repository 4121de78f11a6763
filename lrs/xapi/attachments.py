"""Attachment metadata in a statement (Data 2.4.11); the raw parts are handled by ``multipart``."""

from __future__ import annotations

from typing import Any

from .datatypes import (
    check_iri,
    check_language_map,
    check_list,
    check_media_type,
    check_non_negative_int,
    check_object,
    check_sha2_hex,
    require,
)

SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_CONTENT_TYPE = "application/octet-stream"
_ATTACHMENT_KEYS = frozenset(
    ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl")
)
_REQUIRED = ("usageType", "display", "contentType", "length", "sha2")


def validate_attachments(data: object, *, field: str) -> list[dict[str, Any]]:
    items = check_list(data, field)
    return [validate_attachment(item, field=f"{field}[{index}]") for index, item in enumerate(items)]


def validate_attachment(data: object, *, field: str) -> dict[str, Any]:
    attachment = check_object(data, field, _ATTACHMENT_KEYS)
    for key in _REQUIRED:
        require(attachment, key, field)
    copied: dict[str, Any] = {}
    for key, value in attachment.items():
        path = f"{field}.{key}"
        if key in ("usageType", "fileUrl"):
            copied[key] = check_iri(value, path)
        elif key in ("display", "description"):
            copied[key] = check_language_map(value, path)
        elif key == "contentType":
            copied[key] = check_media_type(value, path)
        elif key == "length":
            copied[key] = check_non_negative_int(value, path)
        else:
            copied[key] = check_sha2_hex(value, path)
    return copied
