"""`lrs serve --demo`: a demo programme admin for the dashboards, its sign-in details printed on start.

The password is derived from the database's hash key, so it stays the same across restarts of one
database (like the demo credential) and differs between databases. Only in demo mode.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator

from aiohttp import web

from lrs.dashboard.users import create_staff_user, viewer_by_email
from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS

DEMO_ADMIN_EMAIL = "demo.admin@example.gov.uk"


def demo_admin_password(hash_key: bytes) -> str:
    return hmac.new(hash_key, b"demo-dashboard-admin", hashlib.sha256).hexdigest()[:24]


async def demo_admin_ctx(app: web.Application) -> AsyncIterator[None]:
    password = demo_admin_password(app[HASH_KEY])
    async with app[DATABASE].write_session() as session, session.begin():
        if await viewer_by_email(session, DEMO_ADMIN_EMAIL) is None:
            await create_staff_user(
                session,
                email=DEMO_ADMIN_EMAIL,
                role="admin",
                organisations=(),
                password=password,
                now=app[CLOCK](),
            )
    base = app[SETTINGS].base_url
    print(
        f"  dashboards:    {base}/sign-in\n  admin e-mail:  {DEMO_ADMIN_EMAIL}\n  password:      {password}",
        flush=True,
    )
    yield
