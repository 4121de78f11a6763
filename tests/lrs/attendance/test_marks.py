"""Recording marks: first mark, idempotent re-submission, re-marks voiding the last, Teams vs facilitator."""

from __future__ import annotations

import json

from sqlalchemy import select

from lrs.attendance.marks import MarkAction, current_marks, record_marks
from lrs.attendance.statements import (
    ABSENT_VERB,
    ATTENDED_VERB,
    VOIDED_VERB,
    AttendanceMark,
    Mark,
    MarkSource,
    Person,
    mark_statement_id,
)
from lrs.statement_service import record_statements
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.statement_query import find_statement
from tests.lrs.attendance.support import FACILITATOR, SteppingClock, programme, writer

ROOM = programme().session("att-room")
ADA = Person("ada@council.gov.uk", "Ada Lovelace")
FRAN = Person(FACILITATOR, "Fran")


def _mark(mark: Mark, source: MarkSource = MarkSource.CHECKIN, learner: Person = ADA) -> AttendanceMark:
    instructor = FRAN if source.is_facilitator else Person("academy@council.gov.uk")
    return AttendanceMark(learner, mark, source, instructor)


async def _record(database: Database, *marks: AttendanceMark) -> list[MarkAction]:
    outcomes = await record_marks(database, ROOM, marks, writer=writer(), clock=SteppingClock())
    return [outcome.action for outcome in outcomes]


async def _stored(database: Database, statement_id: str, *, voided: bool) -> dict[str, object] | None:
    async with database.read_session() as session:
        found = await find_statement(session, statement_id, voided=voided)
    return found[0] if found else None


async def test_first_mark_then_identical_resubmission_stores_nothing(database: Database) -> None:
    assert await _record(database, _mark(Mark.PRESENT)) == [MarkAction.RECORDED]
    first = mark_statement_id(ROOM, ADA.email, 0)
    stored = await _stored(database, first, voided=False)
    assert stored is not None and stored["verb"] == {"id": ATTENDED_VERB, "display": {"en-GB": "attended"}}
    assert await _record(database, _mark(Mark.PRESENT)) == [MarkAction.UNCHANGED]
    async with database.read_session() as session:
        events = list(await session.scalars(select(OutboxEvent)))
    assert [json.loads(event.payload)["statement_id"] for event in events] == [first]


async def test_remark_voids_the_previous_mark_in_the_same_call(database: Database) -> None:
    await _record(database, _mark(Mark.PRESENT))
    outcomes = await record_marks(
        database, ROOM, [_mark(Mark.ABSENT)], writer=writer(), clock=SteppingClock()
    )
    first, second = mark_statement_id(ROOM, ADA.email, 0), mark_statement_id(ROOM, ADA.email, 1)
    assert (outcomes[0].action, outcomes[0].statement_id, outcomes[0].voided_id) == (
        MarkAction.CHANGED,
        second,
        first,
    )
    assert await _stored(database, first, voided=False) is None
    assert await _stored(database, first, voided=True) is not None
    latest = await _stored(database, second, voided=False)
    assert latest is not None and latest["verb"]["id"] == ABSENT_VERB  # type: ignore[index]
    # Back to present: a third revision, not a resurrection of the first.
    assert await _record(database, _mark(Mark.PRESENT)) == [MarkAction.CHANGED]
    assert await _stored(database, second, voided=True) is not None
    assert await _stored(database, mark_statement_id(ROOM, ADA.email, 2), voided=False) is not None


async def test_many_revisions_cross_the_lookup_window(database: Database) -> None:
    for index in range(19):
        await _record(database, _mark(Mark.LATE if index % 2 else Mark.ABSENT))
    current = await current_marks(database, ROOM, [ADA.email])
    assert current[ADA.email].revision == 18 and not current[ADA.email].voided
    assert await _record(database, _mark(Mark.ABSENT)) == [MarkAction.UNCHANGED]


async def test_a_mark_voided_from_outside_is_marked_again(database: Database) -> None:
    await _record(database, _mark(Mark.PRESENT))
    first = mark_statement_id(ROOM, ADA.email, 0)
    void = {
        "actor": {"mbox": "mailto:admin@council.gov.uk"},
        "verb": {"id": VOIDED_VERB},
        "object": {"objectType": "StatementRef", "id": first},
    }
    await record_statements(database, [void], writer=writer(), clock=SteppingClock(), version="1.0.3")
    assert await _record(database, _mark(Mark.PRESENT)) == [MarkAction.RECORDED]
    assert await _stored(database, mark_statement_id(ROOM, ADA.email, 1), voided=False) is not None


async def test_teams_does_not_overrule_a_facilitator_but_a_facilitator_overrules_teams(
    database: Database,
) -> None:
    bob = Person("bob@council.gov.uk", "Bob")
    await _record(database, _mark(Mark.PRESENT), _mark(Mark.PRESENT, MarkSource.TEAMS, bob))
    actions = await _record(
        database, _mark(Mark.ABSENT, MarkSource.TEAMS), _mark(Mark.ABSENT, MarkSource.TEAMS, bob)
    )
    assert actions == [MarkAction.KEPT, MarkAction.CHANGED]
    assert await _record(database, _mark(Mark.LATE, MarkSource.REGISTER, bob)) == [MarkAction.CHANGED]
    current = await current_marks(database, ROOM, [bob.email])
    assert current[bob.email].source is MarkSource.REGISTER


async def test_a_batch_is_one_transaction(database: Database) -> None:
    marks = [_mark(Mark.PRESENT, learner=Person(f"l{n}@council.gov.uk")) for n in range(30)]
    assert set(await _record(database, *marks)) == {MarkAction.RECORDED}
    current = await current_marks(database, ROOM, [mark.learner.email for mark in marks])
    assert len(current) == 30
    async with database.read_session() as session:
        stored = {
            json.loads(event.payload)["statement_id"] for event in await session.scalars(select(OutboxEvent))
        }
    assert stored == {item.statement_id for item in current.values()}
