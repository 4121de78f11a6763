"""multipart/mixed parsing, building, and matching parts to statement attachments."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from lrs.xapi.attachments import SIGNATURE_USAGE_TYPE
from lrs.xapi.errors import XapiValidationError
from lrs.xapi.multipart import AttachmentPart, build_multipart_mixed, check_attachments, parse_multipart_mixed

from .jws_helpers import make_signer
from .samples import statement

BOUNDARY = "-------314159265358979323846"
CONTENT_TYPE = f"multipart/mixed; boundary={BOUNDARY}"
TEXT = b"here is a simple attachment"
TEXT_SHA = hashlib.sha256(TEXT).hexdigest()


def _attachment(sha2: str = TEXT_SHA, **extra: Any) -> dict[str, Any]:
    return {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "text/plain",
        "length": len(TEXT),
        "sha2": sha2,
        **extra,
    }


def _body(*parts: tuple[list[str], bytes], preamble: bytes = b"", closing: bytes = b"\r\n") -> bytes:
    chunks = [preamble]
    for headers, content in parts:
        chunks.append(f"--{BOUNDARY}\r\n".encode() + "".join(f"{h}\r\n" for h in headers).encode() + b"\r\n")
        chunks.append(content + b"\r\n")
    chunks.append(f"--{BOUNDARY}--".encode() + closing)
    return b"".join(chunks)


def _text_part(*, headers: list[str] | None = None, content: bytes = TEXT) -> tuple[list[str], bytes]:
    default = [
        "Content-Type: text/plain",
        "Content-Transfer-Encoding: binary",
        f"X-Experience-API-Hash: {TEXT_SHA}",
    ]
    return (default if headers is None else headers), content


def _json_part(data: object) -> tuple[list[str], bytes]:
    return ["Content-Type: application/json"], json.dumps(data).encode()


def test_parse_conformance_shaped_body() -> None:
    data = statement(attachments=[_attachment()])
    body = _body(_json_part(data), _text_part())
    statement_json, parts = parse_multipart_mixed(CONTENT_TYPE, body)
    assert json.loads(statement_json) == data
    assert parts == [AttachmentPart(sha2=TEXT_SHA, content_type="text/plain", data=TEXT)]
    assert check_attachments([data], parts) == {TEXT_SHA: parts[0]}


def test_parse_tolerates_preamble_quoted_boundary_and_no_space_headers() -> None:
    body = _body(
        (["Content-Type:application/json"], b"[]"),
        _text_part(
            headers=[
                "content-type:text/plain",
                "CONTENT-TRANSFER-ENCODING:Binary",
                f"x-experience-api-hash:{TEXT_SHA.upper()}",
            ]
        ),
        preamble=b"\r\n",
        closing=b"",
    )
    statement_json, parts = parse_multipart_mixed(
        f'Multipart/Mixed; charset=utf-8; boundary="{BOUNDARY}"', body
    )
    assert statement_json == b"[]"
    assert parts[0].sha2 == TEXT_SHA


def test_binary_content_with_crlf_and_dashes_survives() -> None:
    content = b"\r\n--not-the-boundary\r\n\x00\xff" * 3
    sha = hashlib.sha512(content).hexdigest()
    data = statement(attachments=[_attachment(sha2=sha, contentType="application/octet-stream")])
    header, body = build_multipart_mixed(
        json.dumps(data).encode(), [AttachmentPart(sha, "application/octet-stream", content)]
    )
    statement_json, parts = parse_multipart_mixed(header, body)
    assert json.loads(statement_json) == data
    assert parts[0].data == content
    check_attachments([data], parts)


@pytest.mark.parametrize(
    ("content_type", "body", "field"),
    [
        ("multipart/form-data; boundary=x", b"", "Content-Type"),
        ("multipart/mixed;", b"", "Content-Type"),
        ("multipart/mixed; boundary=", b"", "Content-Type"),
        (CONTENT_TYPE, b"Content-Type: application/json\r\n\r\n[]", "multipart"),
        (CONTENT_TYPE, f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n[]".encode(), "multipart"),
        (CONTENT_TYPE, _body((["Content-Type: text/plain"], b"[]")), "multipart[0].Content-Type"),
        (CONTENT_TYPE, _body((["Content-Type application/json"], b"[]")), "multipart[0]"),
        (
            CONTENT_TYPE,
            _body(
                _json_part([]),
                _text_part(
                    headers=["Content-Transfer-Encoding: binary", f"X-Experience-API-Hash: {TEXT_SHA}"]
                ),
            ),
            "multipart[1].Content-Type",
        ),
        (
            CONTENT_TYPE,
            _body(
                _json_part([]),
                _text_part(headers=["Content-Type: text/plain", f"X-Experience-API-Hash: {TEXT_SHA}"]),
            ),
            "multipart[1].Content-Transfer-Encoding",
        ),
        (
            CONTENT_TYPE,
            _body(
                _json_part([]),
                _text_part(
                    headers=[
                        "Content-Type: text/plain",
                        "Content-Transfer-Encoding: base64",
                        f"X-Experience-API-Hash: {TEXT_SHA}",
                    ]
                ),
            ),
            "multipart[1].Content-Transfer-Encoding",
        ),
        (
            CONTENT_TYPE,
            _body(
                _json_part([]),
                _text_part(headers=["Content-Type: text/plain", "Content-Transfer-Encoding: binary"]),
            ),
            "multipart[1].X-Experience-API-Hash",
        ),
        (
            CONTENT_TYPE,
            _body(_json_part([]), _text_part(content=b"tampered")),
            "multipart[1].X-Experience-API-Hash",
        ),
        (CONTENT_TYPE, _body(_json_part([]), _json_part([])), "multipart[1].Content-Transfer-Encoding"),
    ],
)
def test_parse_rejects(content_type: str, body: bytes, field: str) -> None:
    with pytest.raises(XapiValidationError) as caught:
        parse_multipart_mixed(content_type, body)
    assert caught.value.field == field


def test_missing_part_for_attachment_without_file_url() -> None:
    data = statement(attachments=[_attachment(), _attachment(sha2="b" * 64)])
    _, parts = parse_multipart_mixed(CONTENT_TYPE, _body(_json_part(data), _text_part()))
    with pytest.raises(XapiValidationError) as caught:
        check_attachments([statement(), data], parts)
    assert caught.value.field == "statements[1].attachments[1].sha2"


def test_file_url_attachment_needs_no_part() -> None:
    data = statement(attachments=[_attachment(sha2="b" * 64, fileUrl="http://over.there.com/file.txt")])
    assert check_attachments([data], []) == {}


def test_excess_part_is_rejected() -> None:
    data = statement()
    _, parts = parse_multipart_mixed(CONTENT_TYPE, _body(_json_part(data), _text_part()))
    with pytest.raises(XapiValidationError, match="matches no attachment"):
        check_attachments([data], parts)


def test_substatement_attachment_parts_are_matched() -> None:
    sub = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:a@b.org"},
        "verb": {"id": "http://e.com/v"},
        "object": {"id": "http://e.com/a"},
        "attachments": [_attachment()],
    }
    data = statement(object=sub)
    _, parts = parse_multipart_mixed(CONTENT_TYPE, _body(_json_part(data), _text_part()))
    assert TEXT_SHA in check_attachments([data], parts)
    with pytest.raises(XapiValidationError) as caught:
        check_attachments([data], [])
    assert caught.value.field == "statements[0].object.attachments[0].sha2"


def _signed_request(
    content_type: str = "application/octet-stream", tamper: bool = False
) -> tuple[dict[str, Any], list[AttachmentPart]]:
    original = statement()
    jws = make_signer().sign(original)
    sha = hashlib.sha256(jws).hexdigest()
    received = dict(original)
    if tamper:
        received["verb"] = {"id": "http://e.com/forged"}
    received["attachments"] = [
        _attachment(sha2=sha, usageType=SIGNATURE_USAGE_TYPE, contentType=content_type, length=len(jws))
    ]
    header, body = build_multipart_mixed(
        json.dumps(received).encode(), [AttachmentPart(sha, content_type, jws)]
    )
    return received, parse_multipart_mixed(header, body)[1]


def test_signed_statement_round_trip() -> None:
    received, parts = _signed_request()
    assert len(check_attachments([received], parts)) == 1


def test_signature_must_be_octet_stream() -> None:
    received, parts = _signed_request(content_type="text/plain; charset=ascii")
    with pytest.raises(XapiValidationError) as caught:
        check_attachments([received], parts)
    assert caught.value.field == "statements[0].attachments[0].contentType"


def test_signature_payload_must_match() -> None:
    received, parts = _signed_request(tamper=True)
    with pytest.raises(XapiValidationError) as caught:
        check_attachments([received], parts)
    assert caught.value.field == "statements[0].attachments[0]"


def test_signature_attachment_needs_its_part_even_with_file_url() -> None:
    data = statement(
        attachments=[
            _attachment(
                usageType=SIGNATURE_USAGE_TYPE,
                contentType="application/octet-stream",
                fileUrl="http://e.com/sig",
            )
        ]
    )
    with pytest.raises(XapiValidationError):
        check_attachments([data], [])
