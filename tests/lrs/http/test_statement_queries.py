"""GET /xapi/statements: filters, voiding, StatementRef referrers, paging, formats, attachments."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from lrs.xapi.multipart import AttachmentPart, build_multipart_mixed
from tests.lrs_server import RunningLrs

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
MODULE = "https://cohort-lrs.example/modules/data"
PROGRAMME = "https://cohort-lrs.example/programmes/lal"


def _statement(email: str, verb: str = COMPLETED, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": f"mailto:{email}", "name": email.split("@")[0]},
        "verb": {"id": verb},
        "object": {"id": MODULE, "definition": {"name": {"en-GB": "Data", "cy-GB": "Data (cy)"}}},
        "context": {
            "contextActivities": {"parent": {"id": PROGRAMME}},
            "instructor": {"mbox": "mailto:fac@lga.gov.uk"},
        },
        **extra,
    }


async def _post(lrs: RunningLrs, statements: list[dict[str, Any]]) -> list[str]:
    response = await lrs.request("POST", "/xapi/statements", json=statements)
    assert response.status == 200, await response.text()
    ids: list[str] = await response.json()
    return ids


async def _ids(lrs: RunningLrs, **params: str) -> list[str]:
    response = await lrs.request("GET", "/xapi/statements", params=params)
    assert response.status == 200, await response.text()
    return [statement["id"] for statement in (await response.json())["statements"]]


async def test_agent_related_agents_activity_related_activities(lrs: RunningLrs) -> None:
    [mine] = await _post(lrs, [_statement("ann@council.gov.uk")])
    await _post(lrs, [_statement("bob@council.gov.uk")])
    assert await _ids(lrs, agent=json.dumps({"mbox": "mailto:ann@council.gov.uk"})) == [mine]
    facilitator = json.dumps({"mbox": "mailto:fac@lga.gov.uk"})
    assert await _ids(lrs, agent=facilitator) == []
    assert len(await _ids(lrs, agent=facilitator, related_agents="true")) == 2
    assert await _ids(lrs, activity=PROGRAMME) == []
    assert len(await _ids(lrs, activity=PROGRAMME, related_activities="true")) == 2
    assert len(await _ids(lrs, activity=MODULE)) == 2


async def test_voided_hidden_and_referrers_returned(lrs: RunningLrs) -> None:
    [target] = await _post(
        lrs, [_statement("cat@council.gov.uk", verb="http://adlnet.gov/expapi/verbs/failed")]
    )
    voiding = _statement("admin@lga.gov.uk", verb=VOIDED, object={"objectType": "StatementRef", "id": target})
    voiding.pop("context")
    [voider] = await _post(lrs, [voiding])
    failed_ids = await _ids(lrs, verb="http://adlnet.gov/expapi/verbs/failed")
    assert target not in failed_ids and voider in failed_ids  # the voiding statement refers to a match
    gone = await lrs.request("GET", "/xapi/statements", params={"statementId": target})
    assert gone.status == 404
    kept = await lrs.request("GET", "/xapi/statements", params={"voidedStatementId": target})
    assert kept.status == 200 and (await kept.json())["id"] == target
    again = _statement("admin@lga.gov.uk", verb=VOIDED, object={"objectType": "StatementRef", "id": voider})
    refused = await lrs.request("POST", "/xapi/statements", json=again)
    assert refused.status == 400 and "voiding statement" in (await refused.json())["message"]


async def test_paging_with_more_is_stable_and_ordered(lrs: RunningLrs) -> None:
    posted = []
    for number in range(7):
        posted += await _post(lrs, [_statement(f"p{number}@council.gov.uk")])
    seen: list[str] = []
    url = "/xapi/statements?limit=3&ascending=true"
    while url:
        response = await lrs.request("GET", url)
        body = await response.json()
        seen += [statement["id"] for statement in body["statements"]]
        url = body["more"]
        if len(seen) == 3:
            await _post(lrs, [_statement("late@council.gov.uk")])
    assert seen[:7] == posted  # ascending stored order; the late arrival only ever comes after


async def test_formats_and_languages(lrs: RunningLrs) -> None:
    [statement_id] = await _post(lrs, [_statement("dee@council.gov.uk")])
    ids = await lrs.request("GET", "/xapi/statements", params={"statementId": statement_id, "format": "ids"})
    body = await ids.json()
    assert body["actor"] == {"objectType": "Agent", "mbox": "mailto:dee@council.gov.uk"}
    assert body["object"] == {"id": MODULE}
    canonical = await lrs.request(
        "GET",
        "/xapi/statements",
        params={"statementId": statement_id, "format": "canonical"},
        headers={"Accept-Language": "cy-GB"},
    )
    assert (await canonical.json())["object"]["definition"]["name"] == {"cy-GB": "Data (cy)"}
    bad = await lrs.request("GET", "/xapi/statements", params={"format": "everything"})
    assert bad.status == 400 and (await bad.json())["field"] == "format"


async def test_attachments_round_trip_as_multipart(lrs: RunningLrs) -> None:
    content = b"certificate of completion"
    sha2 = hashlib.sha256(content).hexdigest()
    statement = _statement("eve@council.gov.uk")
    statement["attachments"] = [
        {
            "usageType": "https://cohort-lrs.example/attachments/certificate",
            "display": {"en-GB": "Certificate"},
            "contentType": "text/plain",
            "length": len(content),
            "sha2": sha2,
        }
    ]
    part = AttachmentPart(sha2=sha2, content_type="text/plain", data=content)
    content_type, body = build_multipart_mixed(json.dumps(statement).encode(), [part])
    response = await lrs.request(
        "POST", "/xapi/statements", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 200, await response.text()
    fetched = await lrs.request(
        "GET", "/xapi/statements", params={"statementId": statement["id"], "attachments": "true"}
    )
    assert fetched.headers["Content-Type"].startswith("multipart/mixed")
    raw = await fetched.read()
    assert content in raw and sha2.encode() in raw
    missing = dict(statement, id=str(uuid.uuid4()))
    refused = await lrs.request("POST", "/xapi/statements", json=missing)
    assert refused.status == 400 and "attachments[0].sha2" in (await refused.json())["field"]


async def test_read_mine_sees_only_own_statements(lrs: RunningLrs) -> None:
    await _post(lrs, [_statement("fay@council.gov.uk")])
    writer = await lrs.credential("statements/write statements/read/mine", name="module-player")
    response = await lrs.request(
        "POST", "/xapi/statements", json=_statement("gus@council.gov.uk"), headers=writer
    )
    [own] = await response.json()
    listing = await lrs.request("GET", "/xapi/statements", headers=writer)
    assert [statement["id"] for statement in (await listing.json())["statements"]] == [own]


async def test_bad_parameters_name_the_field(lrs: RunningLrs) -> None:
    for params, field in [
        ({"agent": "{not json"}, "agent"),
        ({"registration": "nope"}, "registration"),
        ({"since": "yesterday"}, "since"),
        ({"limit": "-1"}, "limit"),
        ({"colour": "blue"}, "colour"),
        ({"statementId": str(uuid.uuid4()), "verb": COMPLETED}, "verb"),
    ]:
        response = await lrs.request("GET", "/xapi/statements", params=params)
        assert response.status == 400, params
        assert (await response.json())["field"] == field
