"""The schedule follows the programme and the learner: a moved session moves its reminders (same key,
nothing sent twice), a module removed from the programme is cancelled, a declined invitation stops
the reminders, and a learner who attended after all gets no missed-session follow-up."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.email.connector import EmailConnector
from lrs.programme.loader import parse_programme
from lrs.programme.store import save_programme
from lrs.progress import verbs
from lrs.storage.engine import Database
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import BASE, post, statement
from tests.notifications.engine import due_definition, engine, install, planned, states
from tests.notifications.support import ManualClock, clock, email

__all__ = ["clock", "email"]  # fixtures used below

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"


async def test_a_moved_session_moves_its_reminders_and_a_removed_module_is_cancelled(
    database: Database, clock: ManualClock, email: EmailConnector
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(database, clock, {"email": email})
    await run.run()
    before = await planned(database)
    definition = due_definition()
    definition["sessions"][0]["start"], definition["sessions"][0]["end"] = (
        "2026-02-12T10:00:00",
        "2026-02-12T12:00:00",
    )
    del definition["modules"][0]["due"]  # intro no longer has a due date
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(definition), source="test", now=clock.now)
    await run.run()
    after = await planned(database)
    ada = learners[ADA]
    assert set(after) == set(before)  # same keys: nothing duplicated
    reminder = after[f"session_reminder:lead-1:learner-{ada}:s1:P1D"]
    assert (reminder.state, reminder.due_at) == ("planned", datetime(2026, 2, 11, 10, tzinfo=UTC))
    cancelled = (await states(database))[f"module_due:lead-1:learner-{ada}:intro:P7D"]
    assert cancelled == ("cancelled", "no longer in the programme (changed)")


async def test_a_declined_invitation_stops_reminders_and_attendance_cancels_the_follow_up(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    run = engine(database, clock, {"email": email})
    await run.run()
    await post(database, [statement(ADA, verbs.RSVP_DECLINED, f"{BASE}/sessions/s1", clock.now)], clock)
    await post(database, [statement(BEN, verbs.RSVP_ACCEPTED, f"{BASE}/sessions/s1", clock.now)], clock)
    await run.at(datetime(2026, 2, 10, 12, 30, tzinfo=UTC))  # s1 ended at 12:00, nobody attended
    ada, ben = learners[ADA], learners[BEN]
    found = await states(database)
    assert found[f"session_reminder:lead-1:learner-{ada}:s1:P7D"] == (
        "cancelled",
        "the learner declined the invitation",
    )
    assert found[f"session_reminder:lead-1:learner-{ben}:s1:P7D"] == ("delivered", None)
    assert found[f"missed_session:lead-1:learner-{ben}:s1"][0] == "planned"  # due two hours after the end
    late = statement(BEN, verbs.ATTENDED, f"{BASE}/sessions/s1", datetime(2026, 2, 10, 11, tzinfo=UTC))
    await post(database, [late], clock)
    await run.at(datetime(2026, 2, 10, 15, tzinfo=UTC))
    found = await states(database)
    assert found[f"missed_session:lead-1:learner-{ben}:s1"] == (
        "cancelled",
        "the learner attended session s1 after all",
    )
    assert found[f"missed_session:lead-1:learner-{ada}:s1"] == ("delivered", None)
    reminders = [m.parsed() for m in smtp.captured() if str(m.parsed()["Subject"]).startswith("Reminder: S1")]
    assert len(reminders) == 2  # Ben's T-7 and T-1; none for Ada
