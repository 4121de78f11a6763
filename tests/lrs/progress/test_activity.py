"""What counts as the learner's activity: absent marks, invitation answers (RSVPs), the LRS's own
satisfied statements and voided statements do not start anything, set no activity time and do not
restart the inactivity timer."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from lrs.attendance.rsvp import RSVP_VERBS
from lrs.attendance.statements import ABSENT_VERB
from lrs.progress import verbs
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import (
    BASE,
    COHORT_START,
    activity_state,
    install_cohort,
    post,
    projector_and_worker,
    rows_of,
    statement,
    voiding,
)

CY = "cy@north.gov.uk"


def test_the_attendance_verbs_are_the_ones_progress_knows() -> None:
    assert set(RSVP_VERBS.values()) == verbs.RSVP
    assert ABSENT_VERB == verbs.ABSENT
    assert not any(verbs.is_activity(verb) for verb in (*verbs.RSVP, verbs.ABSENT, verbs.SATISFIED))
    assert verbs.is_activity(verbs.ATTENDED) and verbs.is_activity("http://adlnet.gov/expapi/verbs/answered")


async def test_absence_rsvp_and_voided_work_are_not_activity(database: Database) -> None:
    enrolled_at = COHORT_START
    clock = SettableClock(enrolled_at)
    _programme, learners = await install_cohort(database, [CY], clock.now)
    _projector, worker = projector_and_worker(database, clock, inactive_after_days=20)
    await worker.run_until_idle()
    cy = learners[CY]
    armed = await activity_state(database, cy)
    assert armed == (None, enrolled_at + timedelta(days=20))

    clock.advance(timedelta(days=5))
    undone = statement(CY, verbs.COMPLETED, f"{BASE}/intro", clock.now - timedelta(hours=2))
    await post(
        database,
        [
            statement(CY, RSVP_VERBS["accepted"], f"{BASE}/sessions/s1", clock.now - timedelta(hours=5)),
            statement(CY, RSVP_VERBS["declined"], f"{BASE}/sessions/s2", clock.now - timedelta(hours=4)),
            statement(CY, ABSENT_VERB, f"{BASE}/sessions/s1", clock.now - timedelta(hours=3)),
            undone,
        ],
        clock,
    )
    await post(database, [voiding(undone, clock.now)], clock)
    await worker.run_until_idle()

    rows = await rows_of(database, cy)
    assert rows[("programme", "lead")].status == "not_started"
    assert rows[("programme", "lead")].first_activity_at is None
    assert rows[("session", "s1")].status == "absent"  # the mark still says so
    assert rows[("session", "s1")].first_activity_at is None
    assert rows[("session", "s2")].status == "not_started"
    assert rows[("module", "intro")].status == "not_started"
    assert await activity_state(database, cy) == armed  # no activity time, the timer not moved

    clock.now = enrolled_at + timedelta(days=20)
    await worker.run_until_idle()
    async with database.read_session() as session:
        payloads = list(
            await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == "learner.inactive"))
        )
    assert [json.loads(item)["last_activity_at"] for item in payloads] == [enrolled_at.isoformat()]

    clock.now = COHORT_START + timedelta(days=50)  # both sessions are over
    await worker.run_until_idle()
    async with database.read_session() as session:
        missed = [
            json.loads(item)
            for item in await session.scalars(
                select(OutboxEvent.payload).where(OutboxEvent.topic == "session.missed")
            )
        ]
    assert sorted((item["session_id"], item["marked_absent"]) for item in missed) == [
        ("s1", True),
        ("s2", False),
    ]
