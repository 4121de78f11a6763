"""One base URL for every process of an install.

Links (check-in pages, the demo module) and the IRIs the LRS mints (programmes, blocks, its own
authority) are built from `public_url`. When it is unset, `lrs serve` records the address it
serves on in the database, and every other process (`lrs worker`, the CLI) reads that record, so
a worker or a check-in link never silently uses a different address from the server.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.models import LrsMeta

log = logging.getLogger(__name__)
_KEY = "served_base_url"
UNSET_WARNING = (
    "public_url is not set: links and the IRIs the LRS mints use %s; set public_url (LRS_PUBLIC_URL) "
    "to the address people and content use (docs/operations.md)"
)


async def record_served_url(database: Database, settings: Settings) -> None:
    """At `lrs serve` start: remember the address served on, for processes without public_url."""
    if settings.public_url:
        return
    async with database.write_session() as session, session.begin():
        row = await session.get(LrsMeta, _KEY)
        if row is None:
            session.add(LrsMeta(key=_KEY, value=settings.base_url))
        elif row.value != settings.base_url:
            log.warning("the server's address changed from %s to %s", row.value, settings.base_url)
            row.value = settings.base_url
    if not settings.demo:
        log.warning(UNSET_WARNING, settings.base_url)


async def with_served_url(database: Database, settings: Settings) -> Settings:
    """`settings` with public_url filled from the server's record when it is unset."""
    if settings.public_url:
        return settings
    async with database.read_session() as session:
        row = await session.get(LrsMeta, _KEY)
    if row is None:
        log.warning(UNSET_WARNING + " (no server has recorded its address yet)", settings.base_url)
        return settings
    return replace(settings, public_url=row.value)
