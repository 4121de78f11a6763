"""Messages due outside their learners' sending windows are put back at once: one read of the
batch's preferences and one write for all of them, with the same due time and reason each would get
alone; a learner whose window is open still gets theirs straight away."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

import pytest
from sqlalchemy import event

from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from lrs.storage.engine import Database
from notifications.preferences import Preferences, save_preferences
from notifications.suppression import StoredSuppressionList
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import COHORT_START
from tests.notifications.engine import engine, install, planned
from tests.notifications.support import ManualClock

FRIDAY_NIGHT = COHORT_START - timedelta(days=3) + timedelta(hours=22)  # 2 January 2026, 22:00 GMT
EMAILS = [f"learner{n}@north.gov.uk" for n in range(6)]
MONDAY_EIGHT = datetime(2026, 1, 5, 8, tzinfo=UTC)


@pytest.fixture
async def email(smtp: FakeSmtpServer, database: Database) -> AsyncIterator[EmailConnector]:
    clock = ManualClock(FRIDAY_NIGHT)
    settings = EmailSettings.from_mapping(smtp.settings_table())
    connector = EmailConnector(
        settings, suppression=StoredSuppressionList(database, clock=clock), clock=clock
    )
    yield connector
    await connector.close()


@contextmanager
def planned_message_writes(database: Database) -> Iterator[list[bool]]:
    """One entry per UPDATE of planned_messages sent (True for an executemany)."""
    seen: list[bool] = []

    def record(_c: Any, _cursor: Any, sql: str, _params: Any, _context: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("UPDATE PLANNED_MESSAGES"):
            seen.append(many)

    event.listen(database.writer.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.writer.sync_engine, "before_cursor_execute", record)


async def test_a_night_s_messages_are_deferred_together_to_each_learners_window(
    database: Database, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    clock = ManualClock(FRIDAY_NIGHT)
    _programme, learners = await install(database, EMAILS, clock.now)
    owl = learners[EMAILS[0]]  # in New York, 17:00 there: inside an evening window until 20:00
    async with database.write_session() as session, session.begin():
        owl_hours = Preferences(time_zone="America/New_York", quiet_start="20:00", quiet_end="08:00")
        await save_preferences(session, owl, owl_hours, now=clock.now)
    run = engine(database, clock, {"email": email})
    await run.worker.run_until_idle()  # plan the welcomes: due now
    with planned_message_writes(database) as writes:
        await run.sender.step()
    rows = await planned(database)
    welcomes = {learner: rows[f"welcome:lead-1:learner-{learner}:enrolment"] for learner in learners.values()}
    assert welcomes.pop(owl).state == "delivered"
    assert {(row.state, row.due_at, row.claimed_until) for row in welcomes.values()} == {
        ("planned", MONDAY_EIGHT, None)
    }
    assert {row.reason for row in welcomes.values()} == {
        "waiting for the learner's sending window (Monday 5 January 2026 at 08:00, Europe/London)"
    }
    assert [parseaddr(str(m.parsed()["To"]))[1] for m in smtp.captured()] == [EMAILS[0]]
    # the claim, the five deferrals in one executemany, and the owl's settlement
    assert writes.count(True) == 1 and len(writes) <= 3
