"""Every dashboard route x every role: what each may open, and that no page or CSV shows a learner of
a council the viewer may not see. The table must name every /dashboard/ route the app serves."""

from __future__ import annotations

import re

import pytest

from lrs.demo_cohort import DEMO_COHORT_ID
from tests.lrs.dashboard.support import ACCOUNTS, OTHER_COUNCIL, OWN_COUNCIL, DashboardSite, dashboard_site

ROUTES = {
    "/dashboard/": "home",
    "/dashboard/accessibility": "accessibility",
    "/dashboard/cohorts/{cohort}": "cohort",
    "/dashboard/cohorts/{cohort}/overview": "overview",
    "/dashboard/cohorts/{cohort}/roster.{format}": "csv",
    "/dashboard/learners/{learner}": "learner",
    "/dashboard/councils/{organisation}": "council",
    "/dashboard/councils/{organisation}/learners.{format}": "council_csv",
}
# page -> status per account: admin, hr (of OWN_COUNCIL), facilitator (of the cohort), facilitator elsewhere
EXPECTED = {
    "home": (200, 200, 200, 200),
    "accessibility": (200, 200, 200, 200),
    "cohort": (200, 200, 200, 404),
    "overview": (200, 200, 200, 404),
    "csv": (200, 200, 200, 404),
    "own_learner": (200, 200, 200, 404),
    "other_learner": (200, 404, 200, 404),
    "own_council": (200, 200, 404, 404),
    "other_council": (200, 404, 404, 404),
    "own_council_csv": (200, 200, 404, 404),
    "other_council_csv": (200, 404, 404, 404),
}


def _paths(site: DashboardSite) -> dict[str, str]:
    return {
        "home": "/dashboard/",
        "accessibility": "/dashboard/accessibility",
        "cohort": f"/dashboard/cohorts/{DEMO_COHORT_ID}",
        "overview": f"/dashboard/cohorts/{DEMO_COHORT_ID}/overview",
        "csv": f"/dashboard/cohorts/{DEMO_COHORT_ID}/roster.csv",
        "own_learner": f"/dashboard/learners/{site.learner_of(OWN_COUNCIL).id}",
        "other_learner": f"/dashboard/learners/{site.learner_of(OTHER_COUNCIL).id}",
        "own_council": f"/dashboard/councils/{OWN_COUNCIL}",
        "other_council": f"/dashboard/councils/{OTHER_COUNCIL}",
        "own_council_csv": f"/dashboard/councils/{OWN_COUNCIL}/learners.csv",
        "other_council_csv": f"/dashboard/councils/{OTHER_COUNCIL}/learners.csv",
    }


async def test_every_dashboard_route_is_in_the_table(sqlite_url: str) -> None:
    async with dashboard_site(sqlite_url) as site:
        served = {
            resource.canonical
            for resource in site.lrs.app.router.resources()
            if resource.canonical.startswith("/dashboard/")
        }
    assert served == set(ROUTES)
    assert set(ROUTES.values()) <= {key.replace("own_", "").replace("other_", "") for key in EXPECTED}


@pytest.mark.parametrize("account", list(ACCOUNTS))
async def test_each_role_sees_only_what_it_may(database_url: str, account: str) -> None:
    column = list(ACCOUNTS).index(account)
    async with dashboard_site(database_url) as site, site.browser() as client:
        assert (await site.sign_in(client, ACCOUNTS[account][0])).status == 303
        visible = (
            {learner.id for learner in site.learners}
            if account != "hr"
            else {learner.id for learner in site.learners if learner.organisation_id == OWN_COUNCIL}
        )
        for page, path in _paths(site).items():
            response = await client.get(site.url(path), allow_redirects=False)
            body = await response.text()
            assert response.status == EXPECTED[page][column], (account, page, response.status)
            if account == "hr":  # no other council is named, listed or counted on any page
                assert "Brookmere" not in body and "Cwm Taf" not in body, page
            linked = {int(found) for found in re.findall(r'href="/dashboard/learners/(\d+)"', body)}
            assert linked <= visible, (account, page)
            if page == "cohort" and response.status == 200:
                assert linked == visible
            if page == "own_council_csv" and response.status == 200:
                assert len(body.strip().splitlines()) - 1 == len(
                    [learner for learner in site.learners if learner.organisation_id == OWN_COUNCIL]
                )
            if page == "csv" and response.status == 200:
                councils = {line.split(",")[2] for line in body.strip().splitlines()[1:]}
                assert councils == ({"Ashvale District Council"} if account == "hr" else councils)
                assert len(body.strip().splitlines()) == len(visible) + 1


@pytest.mark.parametrize(("account", "links"), [("admin", 4), ("facilitator", 1), ("hr", 0)])
async def test_register_links_go_to_those_who_run_the_sessions(
    sqlite_url: str, account: str, links: int
) -> None:
    async with dashboard_site(sqlite_url) as site, site.browser() as client:
        await site.sign_in(client, ACCOUNTS[account][0])
        page = await (await client.get(site.url(f"/dashboard/cohorts/{DEMO_COHORT_ID}"))).text()
        found = re.findall(r'href="(/checkin/[^"]+)"', page)
        assert len(found) == links
        for link in found:
            register = await client.get(site.url(link.replace("&amp;", "&")))
            assert register.status == 200 and ACCOUNTS[account][0] in await register.text()
