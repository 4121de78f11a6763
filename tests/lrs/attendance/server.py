"""A running LRS that knows the attendance test programme (from a programmes directory) and its roster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lrs.attendance.checkin import FacilitatorLink, checkin_path, link_key, sign_link
from lrs.attendance.statements import Person
from lrs.clock import Clock
from lrs.http.context import HASH_KEY
from tests.lrs.attendance.support import COHORT_ID, FACILITATOR, PROGRAMME_TOML, ROSTER_CSV, SteppingClock
from tests.lrs_server import RunningLrs, running_lrs


@asynccontextmanager
async def attendance_lrs(
    database_url: str, tmp_path: Path, clock: Clock, **overrides: Any
) -> AsyncIterator[RunningLrs]:
    programmes = tmp_path / "programmes"
    programmes.mkdir()
    (programmes / "attendance-test.toml").write_text(PROGRAMME_TOML)
    async with running_lrs(database_url, clock=clock, programmes_dir=str(programmes), **overrides) as server:
        response = await server.request(
            "POST",
            f"/admin/cohorts/{COHORT_ID}/roster",
            data=ROSTER_CSV.encode(),
            headers={"Content-Type": "text/csv"},
        )
        assert response.status == 200, await response.text()
        yield server


def checkin_link_path(server: RunningLrs, clock: SteppingClock, session_id: str, *, hours: float = 12) -> str:
    from datetime import timedelta

    link = FacilitatorLink(
        session_id, Person(FACILITATOR, "Fran Facilitator"), clock.now + timedelta(hours=hours)
    )
    return checkin_path(session_id, sign_link(link, link_key(server.app[HASH_KEY])))
