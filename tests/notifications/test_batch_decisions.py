"""The batched re-check and cap decide exactly as the per-message ones: the same reasons for a varied
set of messages (withdrawn, erased, module satisfied or removed, session moved or removed, attended
after all, active again, declined), made from real statements through the real progress pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from lrs.privacy.erase import erase_person
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import stored_programme
from lrs.progress import verbs
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications import schedule
from notifications.caps import NudgeTally, cap_decision
from notifications.claims import Settlement, settle
from notifications.recheck import reason_gone, reasons_gone_for
from notifications.rules import parse_rules
from notifications.schedule import PlanItem, PlanState
from tests.lrs.progress.cohort import BASE, COHORT_START, post, statement
from tests.notifications.engine import engine, install
from tests.notifications.support import ManualClock

EMAILS = [f"{name}@north.gov.uk" for name in ("ada", "ben", "cy", "dee", "eve", "fay", "gus")]
S1_START = datetime(2026, 2, 10, 10, tzinfo=UTC)
QUIET_SINCE = "2026-01-20T09:00:00+00:00"


def occurrences() -> list[tuple[str, str, dict[str, Any]]]:
    """(rule, occurrence, context) of one learner's messages, some still wanted and some not."""
    s1 = {"session_id": "s1", "starts_at": S1_START.isoformat()}
    return [
        ("module_due", "intro:P7D", {"module_id": "intro", "due_date": "2026-02-02"}),
        ("module_overdue", "quiz:P1D", {"module_id": "quiz", "due_date": "2026-02-16"}),
        ("module_due", "gone:P7D", {"module_id": "gone", "due_date": "2026-02-02"}),
        ("session_reminder", "s1:P1D", s1),
        ("session_reminder", "s2:P7D", {"session_id": "s2", "starts_at": "2026-02-18T10:00:00+00:00"}),
        ("session_reminder", "s9:P7D", {"session_id": "s9", "starts_at": S1_START.isoformat()}),
        ("missed_session", "s1", {"session_id": "s1"}),
        ("session_invite", "s1@20260210T1000Z", {**s1, "uid": "u", "sequence": 1}),
        ("session_invite", "s9@cancelled", {"session_id": "s9", "cancelled": True}),
        ("inactivity", f"since:{QUIET_SINCE}", {"last_activity_at": QUIET_SINCE, "inactive_days": 14}),
        ("congratulations", "module:intro", {"module_id": "intro", "achievement": "module"}),
    ]


async def varied_cohort(database: Database, clock: ManualClock) -> list[PlannedMessage]:
    _programme, learners = await install(database, EMAILS, clock.now)
    run = engine(database, clock, {})  # no connector: nothing is sent, the pipeline projects progress
    ada, ben, _cy, dee, eve, _fay, _gus = EMAILS
    at = COHORT_START + timedelta(days=20)
    await post(
        database,
        [
            statement(ada, verbs.RSVP_DECLINED, f"{BASE}/sessions/s1", at),
            statement(ben, verbs.COMPLETED, f"{BASE}/intro", at),
            statement(dee, verbs.ATTENDED, f"{BASE}/sessions/s1", S1_START + timedelta(minutes=5)),
            statement(eve, verbs.COMPLETED, f"{BASE}/quiz", at),
        ],
        clock,
    )
    withdrawn = RosterRow(
        4, "Learner2 Surname", EMAILS[2], "", "north-council", "Head", "lead-1", status="withdrawn"
    )
    async with database.write_session() as session, session.begin():
        await import_roster(session, [withdrawn], now=clock.now)
    await erase_person(database, email=EMAILS[5], base_url="https://lrs.test", now=clock.now)
    await run.run()
    items = [
        PlanItem(rule, "lead", "lead-1", learner, occurrence, clock.now, context)
        for learner in learners.values()
        for rule, occurrence, context in occurrences()
    ]
    items.append(PlanItem("cohort_update", "lead", "lead-1", None, "week:1", clock.now, {}))
    async with database.write_session() as session, session.begin():
        await schedule.plan(session, items, clock.now)
    async with database.read_session() as session:
        return list(await session.scalars(select(PlannedMessage).order_by(PlannedMessage.id)))


async def test_the_batch_gives_every_message_the_reason_the_single_check_gives(database: Database) -> None:
    clock = ManualClock(S1_START + timedelta(days=1))
    rows = await varied_cohort(database, clock)
    async with database.read_session() as session:
        programme = await stored_programme(session, "lead")
        single = {row.id: await reason_gone(session, row, programme) for row in rows}
        batched = await reasons_gone_for(session, rows, {"lead": programme})
    assert batched == single
    reasons = set(single.values())
    assert reasons >= {
        None,
        "the learner withdrew",
        "the learner's data was erased",
        "module intro is satisfied",
        "module gone was removed",
        "session s2 moved",
        "session s9 was removed",
        "the learner attended session s1 after all",
        "the learner is active again",
        "the learner declined the invitation",
    }
    cancels = [single[row.id] for row in rows if row.occurrence == "s9@cancelled"]
    assert cancels == [None] * len(EMAILS)  # the CANCEL of an invitation goes whatever changed


async def test_a_batch_counts_its_own_nudges_toward_the_cap(database: Database) -> None:
    clock = ManualClock(S1_START + timedelta(days=1))
    rows = [row for row in await varied_cohort(database, clock) if row.category == "nudge"]
    rules = parse_rules({"nudge_cap": 2})
    async with database.read_session() as session:
        tally = await NudgeTally.load(session, [(row, rules) for row in rows], clock.now)
    decisions = []
    for row in rows:  # as the sender goes: decide, and what may go goes out before the next decision
        async with database.read_session() as session:
            single = await cap_decision(session, row, rules, clock.now)
        assert tally.decision(row, rules) == single
        decisions.append(single)
        if single is None:
            await settle(database, row.id, Settlement(PlanState.DELIVERED, None, "email"), clock.now)
            tally.record(row)
    throttled = [decision for decision in decisions if decision is not None]
    assert decisions.count(None) == 2 * len(EMAILS)  # two nudges for each learner, then the cap
    assert set(throttled) == {"over the cap of 2 nudges in 7 days"}
