"""Re-planning after programme changes leaves the schedule a fresh plan of the new programme wants,
row by row: every wanted message is planned at its time with its content (new ones added, moved ones
moved, one cancelled for a reason other than the change left alone unless it moved), every planned
one the programme no longer holds is cancelled, and nothing that went out is touched. Sessions that
expect only some attendees, withdrawn learners, removed sessions and changed calendar rules included.
A first plan stores each learner's messages due at one time in calendar order."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.types import LearnerWithdrawn, ProgrammeSaved
from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme
from lrs.programme.store import save_programme
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import EnrolmentRow
from notifications.invites import cancellation
from notifications.planner import NotificationPlanner
from notifications.rules import NotificationRules, ProgrammeRules, parse_rules
from notifications.schedule import REMOVED_REASON
from notifications.timeline import CALENDAR_RULES, CohortCalendar
from tests.notifications.engine import due_definition, install

ADA, BEN, CAT, DAN = (f"{name}@north.gov.uk" for name in ("ada", "ben", "cat", "dan"))
NOW = datetime(2026, 1, 2, 9, tzinfo=UTC)
Rows = dict[str, tuple[Any, ...]]  # key: (id, learner, state, due_at, context, reason)


async def schedule(session: AsyncSession) -> Rows:
    found = await session.execute(
        select(
            PlannedMessage.key,
            PlannedMessage.id,
            PlannedMessage.learner_id,
            PlannedMessage.state,
            PlannedMessage.due_at,
            PlannedMessage.context,
            PlannedMessage.reason,
        )
    )
    return {key: tuple(rest) for key, *rest in found}


def wanted(programme: Programme, rules: NotificationRules, learners: dict[int, str], version: int) -> Rows:
    """What a fresh plan of `programme` holds for these enrolled learners (key: due_at, context)."""
    calendar = CohortCalendar(programme, "lead-1", rules, NOW, sequence=version)
    return {
        item.key: (item.due_at, json.dumps(dict(item.context), sort_keys=True))
        for learner_id, email in learners.items()
        for item in calendar.items_for(learner_id, email)
    }


def cancellations(before: Rows, programme: Programme) -> Rows:
    """The CANCEL of each invitation that went out for a session the programme no longer holds."""
    present = {item.id for item in programme.sessions}
    found: Rows = {}
    for key, (_id, learner, state, _due, context, _reason) in sorted(before.items(), key=lambda row: row[1]):
        sent = json.loads(context)
        went_out = key.startswith("session_invite:") and state in {"sent", "delivered"}
        if went_out and not sent.get("cancelled") and sent["session_id"] not in present:
            item = cancellation(sent, programme.id, "lead-1", learner, NOW)
            found[item.key] = (NOW, json.dumps(dict(item.context), sort_keys=True))
    return found


def unsequenced(context: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(context)
    found.pop("sequence", None)
    return found


def same(key: str, planned: tuple[Any, ...], wanted: tuple[Any, ...], unchanged: set[str]) -> bool:
    """Whether the planned (due_at, context) is what is wanted; the invitation of a session the change
    left alone keeps the SEQUENCE it was planned with."""
    if key.startswith("session_invite:") and key.rsplit(":", 1)[1].split("@")[0] in unchanged:
        return (planned[0], unsequenced(planned[1])) == (wanted[0], unsequenced(wanted[1]))
    return planned == wanted


def expected_after(before: Rows, want: Rows, unchanged: set[str]) -> dict[str, tuple[Any, ...]]:
    """(state, due_at, context, reason) of every calendar row once the change is re-planned."""
    found: dict[str, tuple[Any, ...]] = {}
    for key, (_id, _learner, state, due, context, reason) in before.items():
        if key in want and state in {"planned", "cancelled", "throttled"}:
            keep = same(key, (due, context), want[key], unchanged) and reason != REMOVED_REASON
            found[key] = (state, due, context, reason) if keep else ("planned", *want[key], None)
        elif key not in want and state == "planned" and due > NOW:
            found[key] = ("cancelled", due, context, REMOVED_REASON)
        else:
            found[key] = (state, due, context, reason)
    for key, (due, context) in want.items():
        found.setdefault(key, ("planned", due, context, None))
    return found


def calendar_rows(rows: Rows) -> Rows:
    return {key: row for key, row in rows.items() if key.split(":", 1)[0] in CALENDAR_RULES}


class Scenario:
    def __init__(self, database: Database, learners: dict[str, int]) -> None:
        self.database, self.learners = database, learners
        self.version, self.rules = 1, parse_rules({})

    async def save(self, definition: dict[str, Any], rules: NotificationRules | None = None) -> Rows:
        """Save `definition`, re-plan it and return the schedule from before the re-plan."""
        self.rules = rules or self.rules
        planner = NotificationPlanner(ProgrammeRules(self.rules), clock=lambda: NOW)
        async with self.database.write_session() as session, session.begin():
            before = await schedule(session)
            stored = await save_programme(session, parse_programme(definition), source="test", now=NOW)
            self.version = stored.version
            await planner.on_programme_saved(ProgrammeSaved("lead", stored.version), session)
        return before

    async def check(
        self, definition: dict[str, Any], before: Rows, enrolled: list[str], unchanged: set[str]
    ) -> Rows:
        programme = parse_programme(definition)
        learners = {self.learners[email]: email for email in enrolled}
        want = wanted(programme, self.rules, learners, self.version) | cancellations(before, programme)
        async with self.database.read_session() as session:
            after = await schedule(session)
        found = {key: row[2:] for key, row in calendar_rows(after).items()}
        assert found == expected_after(calendar_rows(before), want, unchanged)
        return after

    async def mark(self, key: str, state: str, reason: str | None = None) -> None:
        async with self.database.write_session() as session, session.begin():
            await session.execute(
                update(PlannedMessage).where(PlannedMessage.key == key).values(state=state, reason=reason)
            )

    async def withdraw(self, email: str) -> None:
        planner = NotificationPlanner(ProgrammeRules(self.rules), clock=lambda: NOW)
        async with self.database.write_session() as session, session.begin():
            await session.execute(
                update(EnrolmentRow)
                .where(EnrolmentRow.learner_id == self.learners[email])
                .values(status="withdrawn")
            )
            await planner.on_withdrawn(LearnerWithdrawn("lead", "lead-1", self.learners[email]), session)


def with_third_session(definition: dict[str, Any]) -> dict[str, Any]:
    third = {**definition["sessions"][1], "id": "s3", "title": "S3"}
    third["activity"] = third["activity"].replace("/s2", "/s3")
    third["start"], third["end"] = "2026-03-03T10:00:00", "2026-03-03T12:00:00"
    definition["sessions"].append(third)
    return definition


async def test_a_first_plan_keeps_each_learners_messages_due_together_in_calendar_order(
    database: Database,
) -> None:
    _programme, learners = await install(database, [ADA, BEN, CAT], NOW)
    scenario = Scenario(database, learners)
    await scenario.save(with_third_session(due_definition()))
    async with database.read_session() as session:
        rows = await schedule(session)
    calendar = CohortCalendar(parse_programme(with_third_session(due_definition())), "lead-1",
                              scenario.rules, NOW, sequence=scenario.version)  # fmt: skip
    for email, learner_id in learners.items():
        items = sorted(calendar.items_for(learner_id, email), key=lambda item: item.due_at)  # stable
        stored = sorted((row[3], row[0], key) for key, row in rows.items() if row[1] == learner_id)
        assert [key for _due, _id, key in stored] == [item.key for item in items]
        assert sum(item.rule == "session_invite" for item in items) == 3


async def test_each_change_leaves_the_schedule_a_fresh_plan_wants(database: Database) -> None:
    _programme, learners = await install(database, [ADA, BEN, CAT, DAN], NOW)
    scenario, everyone = Scenario(database, learners), [ADA, BEN, CAT, DAN]
    first = with_third_session(due_definition())
    await scenario.check(first, await scenario.save(first), everyone, set())
    ada, ben, cat, dan = (learners[email] for email in everyone)
    await scenario.mark(f"session_invite:lead-1:learner-{ada}:s1@20260210T1000Z", "delivered")
    await scenario.mark(f"session_invite:lead-1:learner-{ada}:s3@20260303T1000Z", "delivered")
    await scenario.mark(f"session_reminder:lead-1:learner-{ben}:s1:P7D", "cancelled", "declined")
    await scenario.mark(f"session_reminder:lead-1:learner-{ben}:s2:P7D", "cancelled", "declined")
    await scenario.mark(f"module_due:lead-1:learner-{cat}:quiz:P7D", "throttled", "over the cap")
    await scenario.mark(f"session_reminder:lead-1:learner-{dan}:s2:P1D", "sent")
    await scenario.withdraw(DAN)

    changed = with_third_session(due_definition())  # s1 moves, s2 expects two, quiz is due later
    changed["sessions"][0]["start"], changed["sessions"][0]["end"] = "2026-02-11T10:00", "2026-02-11T12:00"
    changed["sessions"][1]["attendees"] = [ADA, f" {CAT.upper()} "]
    changed["modules"][1]["due"] = "P7W"
    del changed["modules"][0]["due"]
    after = await scenario.check(changed, await scenario.save(changed), [ADA, BEN, CAT], {"s3"})
    declined = after[f"session_reminder:lead-1:learner-{ben}:s2:P7D"]  # no longer his: left as it was
    assert (declined[2], declined[5]) == ("cancelled", "declined")

    removed = copy.deepcopy(changed)  # s3 is gone (Ada's invitation to it went out: she gets a CANCEL)
    del removed["sessions"][2]
    removed["sessions"][1]["attendees"] = [BEN]
    before = await scenario.save(removed)
    after = await scenario.check(removed, before, [ADA, BEN, CAT], {"s1"})
    assert after[f"session_invite:lead-1:learner-{ada}:s3@cancelled"][2] == "planned"
    assert not any(key.endswith("s3@cancelled") for key in after if f"learner-{ada}:" not in key)

    fewer = parse_rules({"session_reminder": {"before": ["P2D"]}, "module_due": {"before": ["P3D"]}})
    await scenario.check(removed, await scenario.save(removed, fewer), [ADA, BEN, CAT], set())  # whole
    before = await scenario.save(removed)
    assert await scenario.check(removed, before, [ADA, BEN, CAT], {"s1", "s2"}) == before  # nothing to do
