"""Typed events round-trip through their payloads; the bus isolates and unsubscribes listeners."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.bus import EventBus
from lrs.events.types import EVENT_TYPES, Event, LearnerEnrolled, PayloadError, SessionMissed, decode_event
from lrs.storage.engine import Database

MOMENT = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)


def example(kind: type[Event]) -> Event:
    values: dict[str, object] = {}
    for spec in dataclasses.fields(kind):
        hint = typing.get_type_hints(kind)[spec.name]
        values[spec.name] = {datetime: MOMENT, int: 7, bool: True}.get(hint, f"{spec.name}-value")
    return kind(**values)


@pytest.mark.parametrize("kind", EVENT_TYPES, ids=lambda kind: kind.topic)
def test_every_event_round_trips_through_json(kind: type[Event]) -> None:
    event = example(kind)
    payload = json.loads(json.dumps(event.to_payload()))
    assert decode_event(kind.topic, payload) == event


def test_topics_are_unique_and_unknown_topics_decode_to_none() -> None:
    assert len({kind.topic for kind in EVENT_TYPES}) == len(EVENT_TYPES)
    assert decode_event("no.such.topic", {}) is None


def test_bad_payloads_are_reported() -> None:
    with pytest.raises(PayloadError, match="learner_id"):
        LearnerEnrolled.from_payload({"programme_id": "p", "cohort_id": "c"})
    payload = example(SessionMissed).to_payload()
    with pytest.raises(PayloadError, match="time zone"):
        SessionMissed.from_payload({**payload, "session_end": "2026-02-10T12:00:00"})


async def test_unsubscribe_and_unique_names() -> None:
    bus = EventBus()
    seen: list[int] = []

    async def listener(event: LearnerEnrolled, _session: AsyncSession) -> None:
        seen.append(event.learner_id)

    unsubscribe = bus.subscribe(LearnerEnrolled, listener, name="seen")
    with pytest.raises(ValueError, match="already subscribed"):
        bus.subscribe(LearnerEnrolled, listener, name="seen")
    assert [item.name for item in bus.listeners_for(LearnerEnrolled("p", "c", 1))] == ["seen"]
    unsubscribe()
    assert bus.listeners_for(LearnerEnrolled("p", "c", 1)) == []
    assert bus.listeners_for(example(SessionMissed)) == []


async def test_a_failing_listener_clears_the_transactions_memos(database: Database) -> None:
    """What a listener memoised in `session.info` may describe work its savepoint undid."""
    bus = EventBus()

    async def memoises(_event: LearnerEnrolled, session: AsyncSession) -> None:
        session.info["memo"] = "work that commits"

    async def fails(_event: LearnerEnrolled, session: AsyncSession) -> None:
        session.info["memo"] = "work that is undone"
        raise RuntimeError("broken")

    bus.subscribe(LearnerEnrolled, memoises, name="memoises")
    async with database.write_session() as session, session.begin():
        assert await bus.dispatch(LearnerEnrolled("p", "c", 1), session) == []
        assert session.info["memo"] == "work that commits"
        bus.subscribe(LearnerEnrolled, fails, name="fails")
        [failure] = await bus.dispatch(LearnerEnrolled("p", "c", 1), session)
        assert failure.name == "fails" and "memo" not in session.info
