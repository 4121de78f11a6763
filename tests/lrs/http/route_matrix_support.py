"""The columns of the route matrix: every kind of credential a caller can present (none, forged,
revoked, each scope, an organisation-limited reports/read key, the metrics and Notify tokens, a
check-in link) and every staff role signed in through /sign-in, on a demo LRS with two councils."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta

import aiohttp
from sqlalchemy import select

from lrs.attendance.checkin import FacilitatorLink, link_key, sign_link
from lrs.attendance.statements import Person
from lrs.clock import utc_now
from lrs.demo_cohort import DEMO_COHORT_ID
from lrs.http.context import HASH_KEY, SETTINGS
from lrs.scopes import Scope, parse_scopes
from lrs.storage.credentials import create_credential, load_hash_key, revoke_credential
from lrs.storage.programme_models import LearnerRow, SessionRow
from tests.lrs.dashboard.support import ACCOUNTS, OTHER_COUNCIL, OWN_COUNCIL, DashboardSite, dashboard_site
from tests.lrs_server import basic_auth

METRICS_TOKEN = "metrics-token-route-matrix-0123456789"
NOTIFY_TOKEN = "notify-callback-route-matrix-0123456789"
STAFF_ROLES = ("admin", "hr", "facilitator")


@dataclass(frozen=True)
class Column:
    """One kind of caller. `scopes` is set only for a genuine, unrevoked Basic credential."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    scopes: frozenset[Scope] | None = None
    organisations: tuple[str, ...] = ()
    role: str | None = None  # a signed-in staff account (its browser's cookie is sent)
    params: dict[str, str] = field(default_factory=dict)  # added to every request of this column


@dataclass
class Matrix:
    site: DashboardSite
    columns: list[Column]
    browsers: dict[str, aiohttp.ClientSession]  # column name -> the client it sends with
    session_id: str  # a session of the demo cohort, for check-in and registers
    own_learner: int
    other_learner: int
    other_council_people: list[str]  # names and e-mails of OTHER_COUNCIL's learners

    def client(self, column: Column) -> aiohttp.ClientSession:
        return self.browsers.get(column.name, self.site.lrs.session)


async def _credential(
    site: DashboardSite, scopes: str, organisations: tuple[str, ...] = ()
) -> tuple[str, str]:
    lrs = site.lrs
    async with lrs.database.write_session() as session, session.begin():
        hash_key = await load_hash_key(session, lrs.app[SETTINGS].secret_key)
        issued = await create_credential(
            session,
            name=f"matrix {scopes}",
            scopes=scopes,
            hash_key=hash_key,
            now=utc_now(),
            organisations=organisations,
        )
    return issued.info.key, issued.secret


async def _credential_columns(site: DashboardSite) -> list[Column]:
    all_key, all_secret = await _credential(site, "all")
    revoked_key, revoked_secret = await _credential(site, "all")
    async with site.lrs.database.write_session() as session, session.begin():
        assert await revoke_credential(session, key=revoked_key, now=utc_now())
    columns = [
        Column("no credential"),
        Column("malformed Basic", {"Authorization": "Basic not*base64"}),
        Column("Basic without a colon", {"Authorization": "Basic " + base64.b64encode(b"x").decode()}),
        Column("unknown key", basic_auth("no-such-key", "nothing")),
        Column("wrong secret", basic_auth(all_key, all_secret + "x")),
        Column("revoked", basic_auth(revoked_key, revoked_secret)),
        Column("metrics token", {"Authorization": f"Bearer {METRICS_TOKEN}"}),
        Column("notify token", {"Authorization": f"Bearer {NOTIFY_TOKEN}"}),
    ]
    for scope in Scope:
        key, secret = await _credential(site, scope.value)
        columns.append(Column(scope.value, basic_auth(key, secret), parse_scopes(scope.value)))
    key, secret = await _credential(site, "reports/read", (OWN_COUNCIL,))
    hr = Column("reports/read --organisation", basic_auth(key, secret), parse_scopes("reports/read"))
    return [*columns, replace(hr, organisations=(OWN_COUNCIL,))]


async def _link_column(site: DashboardSite, session_id: str) -> Column:
    link = FacilitatorLink(
        session_id, Person(ACCOUNTS["facilitator"][0], "F"), utc_now() + timedelta(hours=2)
    )
    token = sign_link(link, link_key(site.lrs.app[HASH_KEY]))
    return Column("check-in link", params={"token": token})


async def _people(site: DashboardSite) -> tuple[str, list[str]]:
    async with site.lrs.database.read_session() as session:
        session_id = await session.scalar(
            select(SessionRow.session_id)
            .where(SessionRow.cohort_id == DEMO_COHORT_ID)
            .order_by(SessionRow.start_at)
        )
        rows = await session.execute(
            select(LearnerRow.name, LearnerRow.email).where(LearnerRow.organisation_id == OTHER_COUNCIL)
        )
        people = [text for row in rows for text in row]
    assert session_id is not None and people
    return session_id, people


@asynccontextmanager
async def route_matrix(database_url: str) -> AsyncIterator[Matrix]:
    overrides = {
        "metrics_token": METRICS_TOKEN,
        "staff_sign_in": {"client_id": "matrix", "tenant_id": "matrix-tenant", "client_secret": "matrix"},
        "connectors": {"notify": {"api_key": "x", "template_id": "x", "callback_bearer_token": NOTIFY_TOKEN}},
    }
    async with dashboard_site(database_url, **overrides) as site, AsyncExitStack() as stack:
        session_id, people = await _people(site)
        columns = await _credential_columns(site)
        columns.append(await _link_column(site, session_id))
        browsers: dict[str, aiohttp.ClientSession] = {}
        for role in (*STAFF_ROLES, None):
            name = f"staff {role or 'signed out'}"
            browsers[name] = await stack.enter_async_context(site.browser())
            if role is not None:
                assert (await site.sign_in(browsers[name], ACCOUNTS[role][0])).status == 303
            columns.append(Column(name, role=role))
        yield Matrix(
            site,
            columns,
            browsers,
            session_id,
            site.learner_of(OWN_COUNCIL).id,
            site.learner_of(OTHER_COUNCIL).id,
            people,
        )
