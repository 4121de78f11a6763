"""Signed statements over HTTP: a valid JWS is stored with its signature; a mismatch is a 400."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from lrs.xapi.multipart import AttachmentPart, build_multipart_mixed
from tests.lrs.xapi.jws_helpers import make_signer
from tests.lrs_server import RunningLrs

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def _statement() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:signed@council.gov.uk"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"id": "https://cohort-lrs.example/assessments/cyber"},
        "result": {"score": {"scaled": 0.9}, "success": True},
    }


def _signed_body(statement: dict[str, Any], jws: bytes) -> tuple[str, bytes]:
    sha2 = hashlib.sha256(jws).hexdigest()
    statement = dict(statement)
    statement["attachments"] = [
        {
            "usageType": SIGNATURE,
            "display": {"en-GB": "signature"},
            "contentType": "application/octet-stream",
            "length": len(jws),
            "sha2": sha2,
        }
    ]
    part = AttachmentPart(sha2=sha2, content_type="application/octet-stream", data=jws)
    return build_multipart_mixed(json.dumps(statement).encode(), [part])


async def test_valid_signature_is_stored(lrs: RunningLrs) -> None:
    statement = _statement()
    content_type, body = _signed_body(statement, make_signer().sign(statement, alg="RS384"))
    response = await lrs.request(
        "POST", "/xapi/statements", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 200, await response.text()
    stored = await lrs.request("GET", "/xapi/statements", params={"statementId": statement["id"]})
    assert (await stored.json())["attachments"][0]["usageType"] == SIGNATURE


async def test_signature_over_other_content_is_rejected(lrs: RunningLrs) -> None:
    statement = _statement()
    signed_for = dict(statement, result={"score": {"scaled": 0.2}, "success": False})
    content_type, body = _signed_body(statement, make_signer().sign(signed_for))
    response = await lrs.request(
        "POST", "/xapi/statements", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 400
    assert (await response.json())["field"].startswith("statements[0].attachments[0]")
    missing = await lrs.request("GET", "/xapi/statements", params={"statementId": statement["id"]})
    assert missing.status == 404
