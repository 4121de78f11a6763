"""`off_the_job_hours` on completion records: an item's own hours, the learner's total on the
programme record, for a programme with `[off_the_job]`."""

from __future__ import annotations

from datetime import timedelta

from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.progress.off_the_job import learner_off_the_job
from tests.lrs.progress.cohort import BASE, lead_definition, statement
from tests.lrs.reporting.support import projecting, pull
from tests.lrs_server import RunningLrs

AMINA = "amina.osei@north.gov.uk"


async def test_completion_records_carry_off_the_job_hours(lrs: RunningLrs) -> None:
    cohort = await projecting(lrs.database, [AMINA])
    definition = lead_definition()
    definition["off_the_job"] = {
        "minimum_hours": 5,
        "modules": {"intro": 3.5},
        "session_kinds": {"academy": 2},
    }
    async with lrs.database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(definition), source="test", now=cohort.clock.now)
    await cohort.worker.run_until_idle()
    done = cohort.clock.now + timedelta(hours=1)
    await cohort.post(
        [statement(AMINA, verbs.COMPLETED, f"{BASE}/intro", done, result={"duration": "PT50M"})]
    )
    records = {(item["item_type"], item["item_id"]): item for item in (await pull(lrs))["records"]}
    assert records[("module", "intro")]["off_the_job_hours"] == 3.5
    assert records[("programme", "lead")]["off_the_job_hours"] == 3.5
    assert all(item["off_the_job_hours"] is not None for item in records.values())
    async with lrs.database.read_session() as session:
        hours = await learner_off_the_job(session, "lead-1", AMINA.upper())
    assert hours is not None and hours.total == 3.5 and hours.minimum == 5 and not hours.met
    assert [(item.item_id, item.basis) for item in hours.evidence] == [
        ("intro", "configured hours, module satisfied")
    ]
