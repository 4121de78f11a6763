"""Servers starting together on a fresh database each load the programme files: the loads take
turns, so none fails on the other's rows (two `lrs serve` in deploy/compose.yaml start at once)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from lrs.clock import utc_now
from lrs.http.admin import load_programme_dir
from lrs.storage.engine import Database, open_database
from lrs.storage.programme_models import ProgrammeRow

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "programmes"


async def test_concurrent_loads_of_the_programme_files_all_succeed(
    database: Database, database_url: str
) -> None:
    assert list(SHIPPED.glob("*.toml"))
    others = [open_database(database_url) for _ in range(3)]  # separate engines, as separate processes
    try:
        await asyncio.gather(
            *(load_programme_dir(each, SHIPPED, now=utc_now()) for each in [database, *others])
        )
    finally:
        for each in others:
            await each.dispose()
    async with database.read_session() as session:
        stored = await session.scalar(select(func.count()).select_from(ProgrammeRow))
    assert stored == len(list(SHIPPED.glob("*.toml")))
