"""Invitation answers read back from a Graph calendar event become xAPI statements (fake Graph)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.base import CalendarInvite, Recipient
from connectors.calendar.client import CalendarClient
from connectors.calendar.events import new_event
from connectors.graph.client import GraphClient
from lrs.attendance.rsvp import RSVP_VERBS, pull_invite_responses
from lrs.attendance.teams import graph_client_for
from lrs.storage.engine import Database
from lrs.storage.models import Statement
from lrs.storage.statements import load_statements_by_id
from tests.fakes.microsoft import FakeMicrosoft
from tests.lrs.attendance.support import LEARNERS, ONLINE_IRI, ORGANISER, SteppingClock, plan, writer


@pytest.fixture
async def graph(fake_microsoft: FakeMicrosoft) -> AsyncIterator[GraphClient]:
    fake_microsoft.add_user(ORGANISER)
    client = graph_client_for({"teams": fake_microsoft.graph_config()})
    try:
        yield client
    finally:
        await client.close()


async def _invite(graph: GraphClient) -> str:
    start = datetime(2025, 10, 21, 9, 0, tzinfo=UTC)
    invite = CalendarInvite(
        uid="att-online@cohort-lrs",
        sequence=0,
        title="Academy 1: user research",
        description="Online academy session",
        start=start,
        end=start + timedelta(hours=2),
        organizer_email=ORGANISER,
        attendees=tuple(Recipient(learner.email, learner.name) for learner in LEARNERS),
        online_meeting=True,
    )
    created = await CalendarClient(graph, ORGANISER).create(
        new_event(invite, "invite-1", online_meeting=True)
    )
    return str(created["id"])


async def _stored(database: Database) -> list[dict[str, object]]:
    async with database.read_session() as session:
        ids = list(await session.scalars(select(Statement.statement_id).order_by(Statement.pk)))
        found = await load_statements_by_id(session, ids)
    return [found[statement_id] for statement_id in ids]


async def test_answers_are_recorded_once_and_changes_are_new_statements(
    database: Database, fake_microsoft: FakeMicrosoft, graph: GraphClient
) -> None:
    event_id = await _invite(graph)
    fake_microsoft.calendar.respond(event_id, "ada@council.gov.uk", "accepted", "2025-10-01T09:00:00Z")
    fake_microsoft.calendar.respond(event_id, "bob@council.gov.uk", "tentativelyAccepted")
    session_plan = await plan("att-online")
    clock = SteppingClock()

    report = await pull_invite_responses(
        database, session_plan, graph=graph, event_id=event_id, writer=writer(), clock=clock
    )
    assert sorted(report.recorded) == ["ada@council.gov.uk", "bob@council.gov.uk"]
    assert report.unanswered == ("cat@council.gov.uk",) and report.unmatched == ()
    stored = await _stored(database)
    assert [(s["actor"]["mbox"], s["verb"]["id"]) for s in stored] == [  # type: ignore[index]
        ("mailto:ada@council.gov.uk", RSVP_VERBS["accepted"]),
        ("mailto:bob@council.gov.uk", RSVP_VERBS["tentativelyAccepted"]),
    ]
    assert {s["object"]["id"] for s in stored} == {ONLINE_IRI}  # type: ignore[index]
    assert stored[0]["timestamp"] == "2025-10-01T09:00:00.000000Z"

    again = await pull_invite_responses(
        database, session_plan, graph=graph, event_id=event_id, writer=writer(), clock=clock
    )
    assert sorted(again.recorded) == sorted(report.recorded)
    assert len(await _stored(database)) == 2  # pulling again stores nothing new

    fake_microsoft.calendar.respond(event_id, "ada@council.gov.uk", "declined", "2025-10-15T17:00:00Z")
    await pull_invite_responses(
        database, session_plan, graph=graph, event_id=event_id, writer=writer(), clock=clock
    )
    latest = (await _stored(database))[-1]
    assert latest["verb"]["id"] == RSVP_VERBS["declined"]  # type: ignore[index]
    assert latest["actor"]["mbox"] == "mailto:ada@council.gov.uk"  # type: ignore[index]
