"""A running LRS with the demo cohort projected and one staff account per role, and a browser-like
client (its own cookie jar) per account."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import select, update

from lrs.clock import utc_now
from lrs.dashboard.users import create_staff_user
from lrs.demo_cohort import DEMO_COHORT_ID, DEMO_LEARNER_NAME
from lrs.http.context import DATABASE, SETTINGS
from lrs.progress.install import event_worker
from lrs.storage.programme_models import EnrolmentRow, LearnerRow, SessionRow
from tests.lrs_server import RunningLrs, running_lrs

PASSWORD = "correct horse battery staple"
# account name: (e-mail, role, organisations). "facilitator" organises the demo cohort's first session.
ACCOUNTS = {
    "admin": ("admin@example.gov.uk", "admin", ()),
    "hr": ("hr@ashvale.example.gov.uk", "hr", ("demo-ashvale",)),
    "facilitator": ("facilitator@example.gov.uk", "facilitator", ()),
    "facilitator_elsewhere": ("other.facilitator@example.gov.uk", "facilitator", ()),
}
OWN_COUNCIL, OTHER_COUNCIL = "demo-ashvale", "demo-brookmere"


@dataclass
class Learner:
    id: int
    name: str
    organisation_id: str


@dataclass
class DashboardSite:
    lrs: RunningLrs
    learners: list[Learner]

    def url(self, path: str) -> str:
        return str(self.lrs.server.make_url(path))

    def learner_of(self, organisation_id: str) -> Learner:
        """A generated learner (with activity) of that council, not the demo learner (who has none)."""
        return next(
            item
            for item in self.learners
            if item.organisation_id == organisation_id and item.name != DEMO_LEARNER_NAME
        )

    @asynccontextmanager
    async def browser(self) -> AsyncIterator[aiohttp.ClientSession]:
        """A client that keeps cookies for 127.0.0.1 (a browser would) and never follows redirects."""
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            yield client

    async def sign_in(
        self, client: aiohttp.ClientSession, email: str, password: str = PASSWORD
    ) -> aiohttp.ClientResponse:
        form = await client.get(self.url("/sign-in"))
        token = csrf_in(await form.text())
        return await client.post(
            self.url("/sign-in"),
            data={"email": email, "password": password, "csrf_token": token, "next": "/dashboard/"},
            allow_redirects=False,
        )


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


@asynccontextmanager
async def dashboard_site(database_url: str, **overrides: Any) -> AsyncIterator[DashboardSite]:
    async with running_lrs(database_url, demo=True, **overrides) as lrs:
        await event_worker(lrs.app[SETTINGS], lrs.app[DATABASE], clock=utc_now).run_until_idle()
        async with lrs.app[DATABASE].write_session() as session, session.begin():
            for email, role, organisations in ACCOUNTS.values():
                await create_staff_user(
                    session,
                    email=email,
                    role=role,
                    organisations=organisations,
                    password=PASSWORD,
                    now=utc_now(),
                )
            first_session = await session.scalar(
                select(SessionRow.pk)
                .where(SessionRow.cohort_id == DEMO_COHORT_ID)
                .order_by(SessionRow.start_at)
            )
            await session.execute(
                update(SessionRow)
                .where(SessionRow.pk == first_session)
                .values(organiser=ACCOUNTS["facilitator"][0])
            )
            rows = await session.execute(
                select(LearnerRow.id, LearnerRow.name, LearnerRow.organisation_id)
                .join(EnrolmentRow, EnrolmentRow.learner_id == LearnerRow.id)
                .where(EnrolmentRow.cohort_id == DEMO_COHORT_ID)
            )
            learners = [Learner(*row) for row in rows]
        yield DashboardSite(lrs, learners)
