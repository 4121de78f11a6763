"""verify_signed_statement with real RSA keys and certificates made in the test."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from lrs.xapi.errors import XapiValidationError
from lrs.xapi.signatures import verify_signed_statement

from .jws_helpers import Signer, b64url, make_signer
from .samples import statement, typical_statement


@pytest.fixture(scope="module")
def signer() -> Signer:
    return make_signer()


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_valid_signature_with_x5c(signer: Signer, alg: str) -> None:
    data = typical_statement()
    verify_signed_statement(data, signer.sign(data, alg=alg))


def test_valid_signature_without_x5c_is_well_formed(signer: Signer) -> None:
    data = statement()
    verify_signed_statement(data, signer.sign(data, x5c=False))


def test_received_statement_may_carry_lrs_and_attachment_properties(signer: Signer) -> None:
    original = typical_statement()
    jws = signer.sign(original)
    received = copy.deepcopy(original)
    received["attachments"] = [
        {"usageType": "http://adlnet.gov/expapi/attachments/signature", "sha2": "a" * 64}
    ]
    received["stored"] = "2024-05-01T10:00:00Z"
    received["authority"] = {"mbox": "mailto:lrs@example.org"}
    received["context"]["contextActivities"]["category"] = [
        received["context"]["contextActivities"]["category"]
    ]
    verify_signed_statement(received, jws)


def test_tampered_statement_is_rejected(signer: Signer) -> None:
    original = typical_statement()
    jws = signer.sign(original)
    received = copy.deepcopy(original)
    received["result"]["success"] = False
    with pytest.raises(XapiValidationError, match="payload does not match") as caught:
        verify_signed_statement(received, jws, field="statements[0].attachments[1]")
    assert caught.value.field == "statements[0].attachments[1]"


def test_tampered_payload_fails_the_certificate_check(signer: Signer) -> None:
    data = statement()
    header_b64, _, signature_b64 = (
        signer.sign(statement(verb={"id": "http://e.com/other"})).decode().split(".")
    )
    forged = f"{header_b64}.{b64url(json.dumps(data).encode())}.{signature_b64}".encode()
    with pytest.raises(XapiValidationError, match="does not verify"):
        verify_signed_statement(data, forged)


def test_signature_from_another_key_fails(signer: Signer) -> None:
    data = statement()
    other = make_signer()
    header_b64, payload_b64, _ = signer.sign(data).decode().split(".")
    _, _, foreign_signature = other.sign(data).decode().split(".")
    with pytest.raises(XapiValidationError, match="does not verify"):
        verify_signed_statement(data, f"{header_b64}.{payload_b64}.{foreign_signature}".encode())


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256", "PS256", None])
def test_other_algorithms_are_rejected(signer: Signer, alg: str | None) -> None:
    data = statement()
    header = b64url(json.dumps({"alg": alg} if alg else {}).encode())
    payload = b64url(json.dumps(data).encode())
    with pytest.raises(XapiValidationError, match="alg"):
        verify_signed_statement(data, f"{header}.{payload}.c2ln".encode())


@pytest.mark.parametrize(
    "jws",
    [
        b"not a jws",
        b"a.b",
        b"..",
        "é.é.é".encode(),
        b'{"payload": "x", "signatures": []}',
    ],
)
def test_malformed_serialisations(jws: bytes) -> None:
    with pytest.raises(XapiValidationError, match=r"compact serialization|base64url|JSON"):
        verify_signed_statement(statement(), jws)


def test_payload_that_is_not_json(signer: Signer) -> None:
    data = statement()
    broken = json.dumps(data).replace('"', "'", 1).encode()
    with pytest.raises(XapiValidationError, match="payload is not valid JSON"):
        verify_signed_statement(data, signer.sign(data, raw_payload=broken))


def test_payload_that_is_not_an_object(signer: Signer) -> None:
    with pytest.raises(XapiValidationError, match="JSON object"):
        verify_signed_statement(statement(), signer.sign(["x"]))


def test_unreadable_x5c(signer: Signer) -> None:
    data = statement()
    header = b64url(json.dumps({"alg": "RS256", "x5c": [base64.b64encode(b"junk").decode()]}).encode())
    payload = b64url(json.dumps(data).encode())
    with pytest.raises(XapiValidationError, match="x5c"):
        verify_signed_statement(data, f"{header}.{payload}.c2ln".encode())
    header = b64url(json.dumps({"alg": "RS256", "x5c": "MIIB"}).encode())
    with pytest.raises(XapiValidationError, match="x5c"):
        verify_signed_statement(data, f"{header}.{payload}.c2ln".encode())
