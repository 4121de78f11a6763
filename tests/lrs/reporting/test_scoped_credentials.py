"""A reports/read credential limited to one council reads that council's completion records and
nothing else: no other council, no xAPI, no admin. Every route of the app is tried, listed from
its router, so a new route is covered without editing this test."""

from __future__ import annotations

import asyncio
import re

import pytest

from lrs.clock import utc_now
from lrs.http.context import SETTINGS
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.storage.credentials import create_credential, load_hash_key
from lrs.storage.programme_models import OrganisationRow
from tests.lrs.reporting.support import PATH, projecting
from tests.lrs_server import RunningLrs, basic_auth

ZOE = "zoe@north.gov.uk"
SOUTH = "sam@south.gov.uk"


async def hr_credential(lrs: RunningLrs, *organisations: str) -> dict[str, str]:
    async with lrs.database.write_session() as session, session.begin():
        hash_key = await load_hash_key(session, lrs.app[SETTINGS].secret_key)
        issued = await create_credential(
            session,
            name="hr",
            scopes="reports/read",
            hash_key=hash_key,
            now=utc_now(),
            organisations=organisations,
        )
    return basic_auth(issued.info.key, issued.secret)


async def two_councils(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, [ZOE])
    south = RosterRow(3, "Sam", SOUTH, "", "south-council", "Director", "lead-1")
    async with lrs.database.write_session() as session, session.begin():
        session.add(OrganisationRow(id="south-council", name="South Council", sector="council"))
        await session.flush()
        await import_roster(session, [south], now=cohort.clock.now)
    await cohort.worker.run_until_idle()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


async def test_an_hr_credential_reads_its_council_only(lrs: RunningLrs) -> None:
    await two_councils(lrs)
    headers = await hr_credential(lrs, "north-council")
    response = await lrs.request("GET", PATH, headers=headers)
    assert response.status == 200
    records = (await response.json())["records"]
    assert records and {r["organisation"]["id"] for r in records} == {"north-council"}
    csv_rows = (
        await (await lrs.request("GET", PATH, params={"format": "csv"}, headers=headers)).text()
    ).splitlines()
    assert len(csv_rows) == 1 + len(records) and "south" not in "".join(csv_rows)
    refused = await lrs.request("GET", PATH, params={"organisation": "south-council"}, headers=headers)
    assert refused.status == 403 and "south-council" in await refused.text()
    everyone = await (await lrs.request("GET", PATH)).json()
    assert {r["organisation"]["id"] for r in everyone["records"]} == {"north-council", "south-council"}


async def test_every_other_route_refuses_an_hr_credential(lrs: RunningLrs) -> None:
    headers = await hr_credential(lrs, "north-council")
    tried = 0
    for route in lrs.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if route.method in ("HEAD", "OPTIONS", "*") or not path or path == PATH:
            continue
        url = concrete(str(path))
        anonymous = await lrs.session.request(route.method, lrs.server.make_url(url))
        if anonymous.status not in (401, 403):
            continue  # a public route: a credential changes nothing
        response = await lrs.request(route.method, url, headers=headers)
        assert response.status in (401, 403), (route.method, url, response.status)
        tried += 1
    assert tried >= 10


def test_an_organisation_limit_needs_reports_read_alone() -> None:
    with pytest.raises(ValueError, match="reports/read"):

        async def attempt() -> None:
            await create_credential(
                None,  # type: ignore[arg-type]
                name="x",
                scopes="reports/read statements/read",
                hash_key=b"k",
                now=utc_now(),
                organisations=["north-council"],
            )

        asyncio.run(attempt())
