"""Signed statements (Data 2.6): a JWS (RFC 7515) compact serialization attached to the statement.

What is enforced, per Data 2.6 "LRS Requirements" and the conformance suites:

* compact serialization with a base64url JSON header whose ``alg`` is RS256, RS384 or RS512
  (anything else, ``none`` and HMAC included, is refused);
* a payload that is a JSON object "logically equivalent to the received Statement"
  (``statements_equivalent``; attachments, the signature itself among them, are outside that comparison);
* "If the JWS header includes an X.509 certificate, validate the signature against that certificate":
  the first ``x5c`` certificate's RSA public key must verify the signature. Without ``x5c`` there is
  nothing to verify against, and the spec and conformance suite accept such a signature as well formed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .equivalence import statements_equivalent
from .errors import XapiValidationError

_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}


def verify_signed_statement(
    statement: Mapping[str, Any], jws: bytes, *, field: str = "statement.attachments"
) -> None:
    """Raise ``XapiValidationError`` naming ``field`` unless ``jws`` validly signs ``statement``."""
    try:
        token = jws.decode("ascii").strip()
    except UnicodeDecodeError:
        raise XapiValidationError(field, "the signature must be a JWS compact serialization") from None
    segments = token.split(".")
    if len(segments) != 3 or not all(segments):
        raise XapiValidationError(field, "the signature must be a JWS compact serialization")
    header_b64, payload_b64, signature_b64 = segments
    header = _decode_json_segment(header_b64, field, "header")
    algorithm = header.get("alg")
    if algorithm not in _ALGORITHMS:
        raise XapiValidationError(field, f"JWS alg {algorithm!r} is not allowed; use RS256, RS384 or RS512")
    payload = _decode_json_segment(payload_b64, field, "payload")
    if not statements_equivalent(payload, statement):
        raise XapiValidationError(field, "the JWS payload does not match the statement")
    if "x5c" in header:
        public_key = _x5c_public_key(header["x5c"], field)
        signature = _b64url_decode(signature_b64, field, "signature")
        signed = f"{header_b64}.{payload_b64}".encode("ascii")
        try:
            public_key.verify(signature, signed, padding.PKCS1v15(), _ALGORITHMS[algorithm]())
        except InvalidSignature:
            raise XapiValidationError(
                field, "the JWS signature does not verify with the x5c certificate"
            ) from None
    else:
        _b64url_decode(signature_b64, field, "signature")


def _decode_json_segment(segment: str, field: str, name: str) -> dict[str, Any]:
    raw = _b64url_decode(segment, field, name)
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise XapiValidationError(field, f"the JWS {name} is not valid JSON") from None
    if type(value) is not dict:
        raise XapiValidationError(field, f"the JWS {name} must be a JSON object")
    return value


def _b64url_decode(segment: str, field: str, name: str) -> bytes:
    if "=" in segment:
        raise XapiValidationError(field, f"the JWS {name} must be unpadded base64url")
    try:
        return base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise XapiValidationError(field, f"the JWS {name} is not base64url") from None


def _x5c_public_key(chain: object, field: str) -> rsa.RSAPublicKey:
    """The RSA key of the first (signing) certificate in the ``x5c`` chain (RFC 7515 4.1.6)."""
    if type(chain) is not list or not chain or type(chain[0]) is not str:
        raise XapiValidationError(field, "JWS x5c must be a non-empty array of base64 certificates")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except (binascii.Error, ValueError):
        raise XapiValidationError(field, "JWS x5c holds an unreadable certificate") from None
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise XapiValidationError(field, "the x5c certificate must hold an RSA key")
    return public_key
