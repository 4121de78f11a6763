"""`lrs serve --demo`: a demo credential printed on start, so a newcomer can try the LRS at once,
and a demo programme with a generated cohort (lrs.demo_cohort) that the demo learner belongs to.

The credential is narrow (what the demo module needs: statements/write, statements/read/mine and
state), because its secret travels in a browser URL. It stays the same for one database across
restarts: its secret is derived from the database's hash key and the credential's key, so saved
commands keep working; revoking it (`lrs credentials revoke KEY`) makes the next start issue another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from lrs.demo_cohort import DEMO_COHORT_ID, DEMO_LEARNER_EMAIL, DEMO_PROGRAMME_ID, ensure_demo_cohort
from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS
from lrs.settings import Settings
from lrs.storage.credentials import create_credential, hash_secret
from lrs.storage.models import Credential

DEMO_NAME = "demo (lrs serve --demo)"
DEMO_SCOPES = "statements/write statements/read/mine state"
DEMO_ACTIVITY = "https://cohort-lrs.example/demo/modules/digital-basics"
# A fixed registration, so relaunching the demo module resumes from its bookmark.
DEMO_REGISTRATION = "5a0c8e52-9d7b-4d1e-8a8e-3f0f6c2b9d41"


def with_demo_defaults(settings: Settings) -> Settings:
    """The demo sends each message as soon as it is due, at any hour, so someone trying it in the
    evening sees the flow in var/outbox/ at once; a `sending_windows` the settings name wins."""
    if not settings.demo or "sending_windows" in settings.notifications:
        return settings
    return replace(settings, notifications={**settings.notifications, "sending_windows": False})


async def demo_credentials_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    key, secret = await _demo_credential(app)
    base = settings.base_url
    generated = await ensure_demo_cohort(app[DATABASE], base_url=base, clock=app[CLOCK])
    actor = json.dumps(
        {"objectType": "Agent", "name": "Demo Learner", "mbox": "mailto:demo.learner@example.gov.uk"}
    )
    print(
        "\n".join(
            [
                "cohort-lrs demo",
                f"  xAPI endpoint: {base}/xapi/",
                f"  key:           {key}",
                f"  secret:        {secret}",
                f"  try:           curl -u {key}:{secret} "
                f"-H 'X-Experience-API-Version: 2.0.0' {base}/xapi/statements",
                f"  demo module:   {base}/demo/module.html?endpoint={quote(base + '/xapi/')}"
                f"&auth={quote('Basic ' + _basic(key, secret))}&actor={quote(actor)}"
                f"&registration={DEMO_REGISTRATION}&activity_id={quote(DEMO_ACTIVITY)}",
                f"  demo cohort:   {DEMO_COHORT_ID} ({DEMO_PROGRAMME_ID})"
                + (", generated now" if generated else ""),
                f"  watch it:      .venv/bin/lrs progress show --cohort {DEMO_COHORT_ID}"
                f" [--learner {DEMO_LEARNER_EMAIL}]",
            ]
        ),
        flush=True,
    )
    yield


def derived_secret(hash_key: bytes, key: str) -> str:
    return hmac.new(hash_key, f"demo-credential:{key}".encode(), hashlib.sha256).hexdigest()


async def _demo_credential(app: web.Application) -> tuple[str, str]:
    """The database's live demo credential (key, secret), issued the first time."""
    hash_key = app[HASH_KEY]
    async with app[DATABASE].write_session() as session, session.begin():
        live = await session.scalars(
            select(Credential).where(Credential.name == DEMO_NAME, Credential.revoked_at.is_(None))
        )
        for row in live:
            secret = derived_secret(hash_key, row.key)
            if row.scopes == _sorted(DEMO_SCOPES) and hmac.compare_digest(
                row.secret_hash, hash_secret(hash_key, secret)
            ):
                return row.key, secret
            row.revoked_at = app[CLOCK]()  # an older release's `all` demo credential: retire it
        key = secrets.token_hex(10)
        await create_credential(
            session,
            name=DEMO_NAME,
            scopes=DEMO_SCOPES,
            hash_key=hash_key,
            now=app[CLOCK](),
            key=key,
            secret=derived_secret(hash_key, key),
        )
        return key, derived_secret(hash_key, key)


def _sorted(scopes: str) -> str:
    return " ".join(sorted(scopes.split()))


def _basic(key: str, secret: str) -> str:
    return base64.b64encode(f"{key}:{secret}".encode()).decode()
