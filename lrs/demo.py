"""`lrs serve --demo`: a fresh demo credential printed on start, so a newcomer can try the LRS at once."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS
from lrs.storage.credentials import create_credential, revoke_credential
from lrs.storage.models import Credential

DEMO_NAME = "demo (lrs serve --demo)"
DEMO_ACTIVITY = "https://cohort-lrs.example/demo/modules/digital-basics"
# A fixed registration, so relaunching the demo module resumes from its bookmark.
DEMO_REGISTRATION = "5a0c8e52-9d7b-4d1e-8a8e-3f0f6c2b9d41"


async def demo_credentials_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    now = app[CLOCK]()
    async with app[DATABASE].write_session() as session, session.begin():
        previous = await session.execute(select(Credential.key).where(Credential.name == DEMO_NAME))
        for (key,) in previous:
            await revoke_credential(session, key=key, now=now)
        issued = await create_credential(
            session, name=DEMO_NAME, scopes="all", hash_key=app[HASH_KEY], now=now
        )
    base = settings.base_url
    actor = json.dumps(
        {"objectType": "Agent", "name": "Demo Learner", "mbox": "mailto:demo.learner@example.gov.uk"}
    )
    print(
        "\n".join(
            [
                "cohort-lrs demo",
                f"  xAPI endpoint: {base}/xapi/",
                f"  key:           {issued.info.key}",
                f"  secret:        {issued.secret}",
                f"  try:           curl -u {issued.info.key}:{issued.secret} "
                f"-H 'X-Experience-API-Version: 2.0.0' {base}/xapi/statements",
                f"  demo module:   {base}/demo/module.html?endpoint={quote(base + '/xapi/')}"
                f"&auth={quote('Basic ' + _basic(issued.info.key, issued.secret))}&actor={quote(actor)}"
                f"&registration={DEMO_REGISTRATION}&activity_id={quote(DEMO_ACTIVITY)}",
            ]
        ),
        flush=True,
    )
    yield


def _basic(key: str, secret: str) -> str:
    return base64.b64encode(f"{key}:{secret}".encode()).decode()
