"""A running LRS with a few learners, and the signed links the engine would put in their emails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import insert

from lrs.clock import Clock
from lrs.http.context import HASH_KEY
from lrs.storage.programme_models import LearnerRow, OrganisationRow
from notifications.links import make_token, preferences_url, unsubscribe_url
from notifications.preferences import Preferences, preferences_for
from tests.lrs_server import RunningLrs, running_lrs

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
LEARNERS = {1: ("Ada Lovelace", "ada@ashvale.gov.uk"), 2: ("Bryn Terfel", "bryn@caerwen.gov.uk")}


@dataclass
class LinkSite:
    lrs: RunningLrs
    clock: list[datetime]

    def url(self, path_qs: str) -> str:
        return str(self.lrs.server.make_url("/")).rstrip("/") + path_qs

    @property
    def origin(self) -> str:
        return str(self.lrs.server.make_url("/")).rstrip("/")

    def preferences_link(self, learner_id: int) -> str:
        return preferences_url(self.origin, learner_id, self.lrs.app[HASH_KEY], now=self.clock[0])

    def unsubscribe_link(self, learner_id: int) -> str:
        return unsubscribe_url(self.origin, learner_id, self.lrs.app[HASH_KEY], now=self.clock[0])

    def token(self, learner_id: int, purpose: str, *, lifetime: timedelta = timedelta(days=90)) -> str:
        return make_token(learner_id, purpose, self.lrs.app[HASH_KEY], now=self.clock[0], lifetime=lifetime)

    async def preferences(self, learner_id: int) -> Preferences:
        async with self.lrs.database.read_session() as session:
            return (await preferences_for(session, [learner_id]))[learner_id]

    @asynccontextmanager
    async def browser(self) -> AsyncIterator[aiohttp.ClientSession]:
        """A client that keeps cookies for 127.0.0.1 (as a browser would) and never follows redirects."""
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            yield client


@asynccontextmanager
async def link_site(database_url: str) -> AsyncIterator[LinkSite]:
    moments = [NOW]
    clock: Clock = lambda: moments[0]  # noqa: E731
    async with running_lrs(database_url, clock=clock) as lrs:
        async with lrs.database.write_session() as session, session.begin():
            await session.execute(
                insert(OrganisationRow).values(id="ashvale", name="Ashvale", sector="council")
            )
            for learner_id, (name, email) in LEARNERS.items():
                await session.execute(
                    insert(LearnerRow).values(
                        id=learner_id, name=name, email=email, email_key=email, organisation_id="ashvale",
                        role="Director", created_at=NOW, updated_at=NOW,
                    )
                )  # fmt: skip
        yield LinkSite(lrs, moments)
