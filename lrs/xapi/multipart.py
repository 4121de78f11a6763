"""multipart/mixed statement requests with attachments (Communication 1.5.2, RFC 2046 5.1).

The first part holds the statement JSON (``application/json``); every further part carries one
attachment's raw bytes with ``Content-Type``, ``Content-Transfer-Encoding: binary`` and
``X-Experience-API-Hash`` headers. The 1.0.3 and 2.0 conformance suites both reject a part without the
transfer encoding, so both versions require it here.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .attachments import SIGNATURE_CONTENT_TYPE, SIGNATURE_USAGE_TYPE
from .errors import XapiValidationError
from .signatures import verify_signed_statement

_FIELD = "multipart"
_HASHES_BY_HEX_LENGTH = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}


@dataclass(frozen=True, slots=True)
class AttachmentPart:
    """One attachment body: its declared SHA-2 (lower-case hex), media type and bytes."""

    sha2: str
    content_type: str
    data: bytes


def parse_multipart_mixed(content_type: str, body: bytes) -> tuple[bytes, list[AttachmentPart]]:
    """Split a multipart/mixed request into the statement JSON bytes and the attachment parts."""
    boundary = _boundary(content_type)
    raw_parts = _split_parts(body, boundary)
    if not raw_parts:
        raise XapiValidationError(_FIELD, "the body has no parts")
    first_headers, statement_json = _split_headers(raw_parts[0], 0)
    first_type = first_headers.get("content-type", "").split(";")[0].strip().lower()
    if first_type != "application/json":
        raise XapiValidationError(f"{_FIELD}[0].Content-Type", "the first part must be application/json")
    return statement_json, [_attachment_part(raw, index) for index, raw in enumerate(raw_parts[1:], start=1)]


def build_multipart_mixed(json_body: bytes, parts: Sequence[AttachmentPart]) -> tuple[str, bytes]:
    """Serialise statement JSON and attachments; returns (Content-Type header value, body)."""
    boundary = "xapi-" + secrets.token_hex(16)
    delimiter = b"--" + boundary.encode("ascii")
    chunks = [delimiter, b"\r\nContent-Type: application/json\r\n\r\n", json_body]
    for part in parts:
        chunks += [
            b"\r\n",
            delimiter,
            f"\r\nContent-Type: {part.content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {part.sha2}\r\n\r\n".encode("latin-1"),
            part.data,
        ]
    chunks += [b"\r\n", delimiter, b"--\r\n"]
    return f'multipart/mixed; boundary="{boundary}"', b"".join(chunks)


def check_attachments(
    statements: Sequence[Mapping[str, Any]], parts: Sequence[AttachmentPart], *, field: str = "statements"
) -> dict[str, AttachmentPart]:
    """Match statement attachments to parts; verify signatures. Returns the parts by sha2.

    Every attachment without ``fileUrl`` needs a part with its sha2; a part matching no attachment is
    refused (Communication 1.5.2); a signature attachment must be application/octet-stream and its
    JWS must verify against its statement (Data 2.6).
    """
    by_sha2 = {part.sha2: part for part in parts}
    used: set[str] = set()
    for index, statement in enumerate(statements):
        path = f"{field}[{index}]"
        for attachment_path, attachment, top_level in _statement_attachments(statement, path):
            sha2 = str(attachment.get("sha2", "")).lower()
            is_signature = top_level and attachment.get("usageType") == SIGNATURE_USAGE_TYPE
            part = by_sha2.get(sha2)
            if part is None and ("fileUrl" not in attachment or is_signature):
                raise XapiValidationError(
                    f"{attachment_path}.sha2", "no multipart part carries this attachment"
                )
            if part is not None:
                used.add(sha2)
                if is_signature:
                    _check_signature(statement, attachment, part, attachment_path)
    unused = sorted(set(by_sha2) - used)
    if unused:
        raise XapiValidationError(
            _FIELD, f"part with X-Experience-API-Hash {unused[0]} matches no attachment"
        )
    return by_sha2


def _statement_attachments(
    statement: Mapping[str, Any], path: str
) -> list[tuple[str, Mapping[str, Any], bool]]:
    """(path, attachment, is top-level) for the statement's and its SubStatement's attachments."""
    found = [
        (f"{path}.attachments[{i}]", item, True) for i, item in enumerate(statement.get("attachments") or ())
    ]
    target = statement.get("object")
    if isinstance(target, Mapping) and target.get("objectType") == "SubStatement":
        nested = target.get("attachments") or ()
        found += [(f"{path}.object.attachments[{i}]", item, False) for i, item in enumerate(nested)]
    return found


def _check_signature(
    statement: Mapping[str, Any], attachment: Mapping[str, Any], part: AttachmentPart, path: str
) -> None:
    if attachment.get("contentType") != SIGNATURE_CONTENT_TYPE:
        raise XapiValidationError(f"{path}.contentType", f"a signature must be {SIGNATURE_CONTENT_TYPE}")
    verify_signed_statement(statement, part.data, field=path)


def _boundary(content_type: str) -> bytes:
    media_type, _, params = content_type.partition(";")
    if media_type.strip().lower() != "multipart/mixed":
        raise XapiValidationError("Content-Type", "must be multipart/mixed")
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            value = value.strip().strip('"')
            if value and len(value) <= 70:
                return value.encode("latin-1")
    raise XapiValidationError("Content-Type", "multipart/mixed needs a boundary parameter")


def _split_parts(body: bytes, boundary: bytes) -> list[bytes]:
    """The bodies between delimiters (RFC 2046 5.1.1); the CRLF before each delimiter is not content."""
    dash_boundary = b"--" + boundary
    delimiter = b"\r\n" + dash_boundary
    if body.startswith(dash_boundary):
        position = len(dash_boundary)
    else:
        found = body.find(delimiter)
        if found < 0:
            raise XapiValidationError(_FIELD, "no boundary delimiter found in the body")
        position = found + len(delimiter)
    parts: list[bytes] = []
    while not body.startswith(b"--", position):
        line_end = body.find(b"\r\n", position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):
            raise XapiValidationError(_FIELD, "a boundary delimiter must end its line")
        start = line_end + 2
        end = body.find(delimiter, start)
        if end < 0:
            raise XapiValidationError(_FIELD, "the closing boundary delimiter is missing")
        parts.append(body[start:end])
        position = end + len(delimiter)
    return parts


def _split_headers(raw: bytes, index: int) -> tuple[dict[str, str], bytes]:
    if raw.startswith(b"\r\n"):
        return {}, raw[2:]
    head, separator, content = raw.partition(b"\r\n\r\n")
    if not separator:
        raise XapiValidationError(f"{_FIELD}[{index}]", "part headers must end with an empty line")
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise XapiValidationError(f"{_FIELD}[{index}]", f"malformed part header {line!r}")
        headers[name.strip().lower()] = value.strip()
    return headers, content


def _attachment_part(raw: bytes, index: int) -> AttachmentPart:
    headers, data = _split_headers(raw, index)
    path = f"{_FIELD}[{index}]"
    content_type = headers.get("content-type")
    if not content_type:
        raise XapiValidationError(f"{path}.Content-Type", "every attachment part needs a Content-Type")
    if headers.get("content-transfer-encoding", "").lower() != "binary":
        raise XapiValidationError(f"{path}.Content-Transfer-Encoding", 'must be "binary"')
    sha2 = headers.get("x-experience-api-hash", "").lower()
    algorithm = _HASHES_BY_HEX_LENGTH.get(len(sha2))
    if algorithm is None or any(char not in "0123456789abcdef" for char in sha2):
        raise XapiValidationError(f"{path}.X-Experience-API-Hash", "must be the SHA-2 hex digest of the part")
    if hashlib.new(algorithm, data).hexdigest() != sha2:
        raise XapiValidationError(f"{path}.X-Experience-API-Hash", "does not match the part's content")
    return AttachmentPart(sha2=sha2, content_type=content_type, data=data)
