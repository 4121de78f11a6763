"""Test-side JWS signing with a throwaway RSA key and self-signed certificate (cryptography only)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

HASHES = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    certificate_der: bytes

    def sign(
        self, payload: Any, *, alg: str = "RS256", x5c: bool = True, raw_payload: bytes | None = None
    ) -> bytes:
        header: dict[str, Any] = {"alg": alg}
        if x5c:
            header["x5c"] = [base64.b64encode(self.certificate_der).decode("ascii")]
        header_b64 = b64url(json.dumps(header).encode())
        payload_b64 = b64url(raw_payload if raw_payload is not None else json.dumps(payload).encode())
        signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
        digest = HASHES.get(alg, hashes.SHA256())
        signature = self.key.sign(signing_input, padding.PKCS1v15(), digest)
        return f"{header_b64}.{payload_b64}.{b64url(signature)}".encode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_signer() -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cohort-lrs test signer")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return Signer(key=key, certificate_der=certificate.public_bytes(serialization.Encoding.DER))
