"""`lrs progress rebuild` recomputes every projection, but HR pullers only see the records whose values
it changed: an incremental pull after a rebuild that changed nothing is empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from lrs.progress import verbs
from lrs.progress.install import progress_options
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.service import ProgressProjector
from lrs.settings import Settings
from tests.lrs.progress.cohort import BASE, post, statement
from tests.lrs.reporting.support import Projecting, projecting, pull
from tests.lrs_server import RunningLrs

EMAILS = ["amina.osei@north.gov.uk", "ben.hall@north.gov.uk"]


async def rebuild(cohort: Projecting) -> None:
    settings = replace(Settings(), public_url="https://lrs.test")
    await rebuild_progress(cohort.database, ProgressProjector(progress_options(settings), clock=cohort.clock))


async def test_a_rebuild_that_changes_nothing_moves_no_record(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, EMAILS)
    await cohort.post([statement(EMAILS[0], verbs.COMPLETED, f"{BASE}/intro", cohort.clock.now)])
    first = await pull(lrs)
    assert first["records"]
    before = {record["record_id"]: record for record in first["records"]}

    cohort.clock.advance(timedelta(hours=1))
    await rebuild(cohort)
    after = await pull(lrs, since=first["high_watermark"])
    assert after["records"] == []
    again = {record["record_id"]: record for record in (await pull(lrs))["records"]}
    assert again == before  # same values, same updated_at


async def test_a_rebuild_moves_only_the_records_it_changed(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, EMAILS)
    first = await pull(lrs)
    # A statement stored but not yet projected: the rebuild is what applies it.
    done = cohort.clock.now + timedelta(minutes=5)
    await post(cohort.database, [statement(EMAILS[1], verbs.COMPLETED, f"{BASE}/intro", done)], cohort.clock)
    await rebuild(cohort)
    changed = (await pull(lrs, since=first["high_watermark"]))["records"]
    assert changed, "the rebuild applied a completion"
    assert {record["work_email"] for record in changed} == {EMAILS[1]}
    by_item = {(record["item_type"], record["item_id"]): record for record in changed}
    assert by_item[("module", "intro")]["status"] == "completed"
    old = {record["record_id"]: record for record in first["records"]}
    for record in changed:
        assert record["updated_at"] > old[record["record_id"]]["updated_at"]
