"""GET /admin/cohorts/{id}/confidence, end to end: roster import, xAPI self-assessment statements,
the in-process worker's projection, then the cohort report."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.lrs.programme.definitions import EXAMPLES_DIR
from tests.lrs_server import running_lrs

PRE = "https://cohort-lrs.example/learn-adapt-lead/confidence/pre"
POST = "https://cohort-lrs.example/learn-adapt-lead/confidence/post"
ROSTER = (
    "name,work email,employee number,council,role\n"
    "Priya Shah,priya.shah@ashbourne-vale.gov.example,AV1,ashbourne-vale-dc,Director of Digital\n"
    "Tom Reid,tom.reid@elsworth.gov.example,EL7,London Borough of Elsworth,Head of IT\n"
)


def _answer(email: str, activity: str, raw: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": f"mailto:{email}"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": activity},
        "result": {"score": {"raw": raw, "min": 1, "max": 5, "scaled": raw / 5}},
    }


async def test_cohort_confidence_report(database_url: str) -> None:
    async with running_lrs(
        database_url, programmes_dir=str(EXAMPLES_DIR), worker_in_process=True, worker_poll_seconds=0.05
    ) as lrs:
        imported = await lrs.request(
            "POST", "/admin/cohorts/lal-2025-autumn/roster", data=ROSTER, headers={"Content-Type": "text/csv"}
        )
        assert imported.status == 200, await imported.text()
        statements = [
            _answer("priya.shah@ashbourne-vale.gov.example", PRE, 2),
            _answer("priya.shah@ashbourne-vale.gov.example", POST, 4),
            _answer("tom.reid@elsworth.gov.example", PRE, 3),
        ]
        posted = await lrs.request("POST", "/xapi/statements", json=statements)
        assert posted.status == 200, await posted.text()
        report: dict[str, Any] = {}
        for _ in range(200):  # the in-process worker projects asynchronously
            response = await lrs.request("GET", "/admin/cohorts/lal-2025-autumn/confidence")
            assert response.status == 200, await response.text()
            report = await response.json()
            if len(report["learners"]) == 2 and report["mean_post"] is not None:
                break
            await asyncio.sleep(0.05)
        assert report["mean_pre"] == 2.5 and report["mean_post"] == 4 and report["mean_change"] == 2
        changes = sorted((item["change"] is None, item["pre"]["raw"]) for item in report["learners"])
        assert changes == [(False, 2), (True, 3)]
        missing = await lrs.request("GET", "/admin/cohorts/no-such-cohort/confidence")
        assert missing.status == 404
        reader = await lrs.credential("statements/read")
        forbidden = await lrs.request("GET", "/admin/cohorts/lal-2025-autumn/confidence", headers=reader)
        assert forbidden.status == 403
