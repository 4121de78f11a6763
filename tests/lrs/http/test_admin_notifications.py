"""GET /admin/notifications: the schedule's records with their attempts, filtered, a page at a time;
bad parameters are a 400 naming the parameter; a credential without scope "all" is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lrs.storage.engine import Database
from tests.lrs.progress.cohort import COHORT_START
from tests.lrs_server import RunningLrs
from tests.notifications.engine import engine, install
from tests.notifications.support import ManualClock

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"


async def planned_cohort(database: Database) -> None:
    clock = ManualClock(COHORT_START - timedelta(days=3))
    await install(database, [ADA, BEN], clock.now)
    await engine(database, clock, {}).worker.run_until_idle()


async def page(lrs: RunningLrs, path: str, **params: str) -> dict[str, Any]:
    response = await lrs.request("GET", path, params=params)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_pages_through_the_records_with_a_cursor(lrs: RunningLrs) -> None:
    await planned_cohort(lrs.database)
    first = await page(lrs, "/admin/notifications", cohort="lead-1", limit="7")
    keys = [row["key"] for row in first["notifications"]]
    while "next" in first:
        first = await page(lrs, first["next"])
        keys += [row["key"] for row in first["notifications"]]
    assert len(keys) == len(set(keys)) == 18
    ada = await page(lrs, "/admin/notifications", learner=ADA, state="planned")
    assert {row["learner"] for row in ada["notifications"]} == {ADA}
    assert len(ada["notifications"]) == 9 and "next" not in ada
    assert ada["notifications"][0]["attempts"] == []


async def test_bad_parameters_name_the_parameter(lrs: RunningLrs) -> None:
    for params, message in [
        ({"state": "lost"}, "state: 'lost' is not one of planned"),
        ({"limit": "0"}, "limit: must be from 1 to 500, got 0"),
        ({"cursor": "abc"}, "cursor: 'abc' is not a whole number"),
    ]:
        response = await lrs.request("GET", "/admin/notifications", params=params)
        assert response.status == 400
        assert message in await response.text()


async def test_a_statements_credential_is_refused(lrs: RunningLrs) -> None:
    headers = await lrs.credential("statements/read")
    response = await lrs.request("GET", "/admin/notifications", headers=headers)
    assert response.status == 403
