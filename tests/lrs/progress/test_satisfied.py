"""The LRS's satisfied statements always agree with the projection: a late earlier statement, a void
and a redo, the reason going, statements from an older release, and rebuild as a no-op."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from lrs.progress import verbs
from lrs.progress.rebuild import rebuild_progress
from lrs.progress.satisfied import SATISFIED_NAMESPACE, cohort_iri
from lrs.storage.engine import Database
from lrs.storage.models import Statement
from lrs.storage.programme_models import EnrolmentRow
from lrs.xapi.timestamps import parse_timestamp
from tests.lrs.events.helpers import SettableClock
from tests.lrs.progress.cohort import (
    BASE,
    COHORT_START,
    install_cohort,
    post,
    projector_and_worker,
    rows_of,
    satisfied_statements,
    statement,
    voiding,
)

CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"  # cmi5 9.6.2.1
EVE = "eve@north.gov.uk"
INTRO = f"{BASE}/intro"


def live(found: list[dict[str, Any]], activity: str = INTRO) -> list[datetime]:
    return [
        parse_timestamp(item["timestamp"], field="timestamp")
        for item in found
        if item["object"]["id"] == activity and not item["voided"]
    ]


async def statement_count(database: Database) -> int:
    async with database.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Statement)) or 0)


async def test_satisfied_statement_follows_the_projection(database: Database) -> None:
    clock = SettableClock(COHORT_START)
    _programme, learners = await install_cohort(database, [EVE], clock.now)
    projector, worker = projector_and_worker(database, clock)
    await worker.run_until_idle()
    clock.advance(timedelta(days=9))
    first_at = clock.now - timedelta(hours=2)
    late_at = clock.now - timedelta(days=1, hours=5)  # sent later, happened earlier
    first = statement(EVE, verbs.COMPLETED, INTRO, first_at)
    await post(database, [first], clock)
    await worker.run_until_idle()
    assert live(await satisfied_statements(database)) == [first_at]

    late = statement(EVE, verbs.COMPLETED, INTRO, late_at)
    clock.advance(timedelta(minutes=3))
    await post(database, [late], clock)
    await worker.run_until_idle()
    rows = await rows_of(database, learners[EVE])
    assert rows[("module", "intro")].satisfied_at == late_at
    assert live(await satisfied_statements(database)) == [late_at]  # the 'first' one is voided

    clock.advance(timedelta(minutes=3))
    await post(database, [voiding(late, clock.now)], clock)  # undo the earlier one: back to 'first'
    await worker.run_until_idle()
    found = await satisfied_statements(database)
    assert live(found) == [first_at]
    assert len({item["id"] for item in found if item["object"]["id"] == INTRO}) == 3  # a new id, not reused

    clock.advance(timedelta(minutes=3))
    await post(database, [voiding(first, clock.now)], clock)  # the reason is gone
    await worker.run_until_idle()
    assert (await rows_of(database, learners[EVE]))[("module", "intro")].satisfied_at is None
    assert live(await satisfied_statements(database)) == []

    clock.advance(timedelta(minutes=3))
    await post(database, [statement(EVE, verbs.COMPLETED, INTRO, first_at + timedelta(minutes=1))], clock)
    await worker.run_until_idle()
    found = await satisfied_statements(database)
    assert live(found) == [first_at + timedelta(minutes=1)]
    async with database.read_session() as session:
        registration = await session.scalar(
            select(EnrolmentRow.registration).where(EnrolmentRow.learner_id == learners[EVE])
        )
    [current] = [item for item in found if not item["voided"]]
    assert current["context"]["registration"] == registration
    assert current["context"]["contextActivities"]["category"] == [
        {"objectType": "Activity", "id": CMI5_CATEGORY}
    ]

    before = await statement_count(database)
    await rebuild_progress(database, projector)
    assert await statement_count(database) == before  # nothing issued, nothing voided
    assert await satisfied_statements(database) == found


async def test_rebuild_replaces_satisfied_statements_of_an_older_release(database: Database) -> None:
    clock = SettableClock(COHORT_START)
    _programme, learners = await install_cohort(database, [EVE], clock.now)
    projector, worker = projector_and_worker(database, clock)
    await worker.run_until_idle()
    clock.advance(timedelta(days=4))
    done_at = clock.now - timedelta(hours=1)
    await post(database, [statement(EVE, verbs.COMPLETED, INTRO, done_at)], clock)
    await worker.run_until_idle()
    ours = [item["id"] for item in await satisfied_statements(database)]
    # What an earlier release stored: an id from (learner, programme, cohort, item) alone, another
    # moment, no registration, no cmi5 category.
    name = f"{learners[EVE]}|lead|lead-1|module:intro"
    older = {
        "id": str(uuid.uuid5(SATISFIED_NAMESPACE, name)),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{EVE}"},
        "verb": {"id": verbs.SATISFIED, "display": {"en": "satisfied"}},
        "object": {"objectType": "Activity", "id": INTRO},
        "context": {
            "contextActivities": {
                "grouping": [
                    {"objectType": "Activity", "id": cohort_iri("https://lrs.test", "lead", "lead-1")}
                ]
            }
        },
        "timestamp": (done_at + timedelta(minutes=7)).isoformat(),
    }
    await post(database, [older], clock)
    await worker.run_until_idle()

    await rebuild_progress(database, projector)
    found = {item["id"]: item["voided"] for item in await satisfied_statements(database)}
    assert found == {older["id"]: True, ours[0]: False}
    settled = await statement_count(database)
    await rebuild_progress(database, projector)
    assert await statement_count(database) == settled
