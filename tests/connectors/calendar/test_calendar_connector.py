"""Graph calendar events: create with transactionId, update, cancel, responses, storms, attendance."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connectors.base import CalendarInvite, DeliveryStatus, Recipient, RenderedMessage
from connectors.calendar.connector import create_connector
from connectors.calendar.events import transaction_id_for
from connectors.teams.attendance import fetch_attendance_records, find_online_meeting_id
from tests.connectors.teams.test_teams_storm import deliver_all
from tests.fakes.microsoft import FakeMicrosoft

ORGANISER = "academy@council.gov.uk"
START = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 in London (BST)


def _message(uid: str, key: str, **changes: object) -> RenderedMessage:
    invite = CalendarInvite(
        uid=uid,
        sequence=0,
        title="Review day",
        description="Bring your portfolio.",
        start=START,
        end=START + timedelta(hours=2),
        attendees=(Recipient("ada@council.gov.uk", "Ada"), Recipient("bob@council.gov.uk", "Bob")),
        online_meeting=True,
    )
    invite = replace(invite, **changes)  # type: ignore[arg-type]
    return RenderedMessage(key, Recipient("ada@council.gov.uk"), invite.title, "Review day", invite=invite)


async def test_event_lifecycle_with_teams_meeting_and_responses(fake_microsoft: FakeMicrosoft) -> None:
    fake_microsoft.add_user(ORGANISER)
    connector = create_connector(fake_microsoft.graph_config(organizer=ORGANISER))
    try:
        created = await connector.send(_message("review-1", "k-create"))
        assert created.status is DeliveryStatus.DELIVERED
        event = fake_microsoft.calendar.events[str(created.provider_id)]
        assert event["start"] == {"dateTime": "2025-07-01T10:00:00", "timeZone": "GMT Standard Time"}
        assert event["isOnlineMeeting"] is True and event["onlineMeetingProvider"] == "teamsForBusiness"
        assert event["transactionId"] == transaction_id_for("k-create")

        moved = await connector.send(
            _message(
                "review-1",
                "k-move",
                sequence=1,
                start=START + timedelta(days=1),
                end=START + timedelta(days=1, hours=2),
            )
        )
        assert moved.provider_id == created.provider_id
        assert (
            fake_microsoft.calendar.events[str(created.provider_id)]["start"]["dateTime"]
            == "2025-07-02T10:00:00"
        )

        fake_microsoft.calendar.respond(str(created.provider_id), "ada@council.gov.uk", "accepted")
        fake_microsoft.calendar.respond(str(created.provider_id), "bob@council.gov.uk", "tentativelyAccepted")
        responses = {r.email: r for r in await connector.invite_responses(str(created.provider_id))}
        assert responses["ada@council.gov.uk"].response == "accepted"
        assert responses["ada@council.gov.uk"].responded_at == datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
        assert responses["bob@council.gov.uk"].response == "tentativelyAccepted"

        cancelled = await connector.send(_message("review-1", "k-cancel", sequence=2, cancelled=True))
        assert cancelled.status is DeliveryStatus.DELIVERED
        assert str(created.provider_id) in fake_microsoft.calendar.cancelled
        assert len(fake_microsoft.ok(r"/events/[^/]+/cancel$")) == 1
    finally:
        await connector.close()


async def test_unknown_organiser_is_a_permanent_failure(fake_microsoft: FakeMicrosoft) -> None:
    connector = create_connector(fake_microsoft.graph_config(organizer="nobody@council.gov.uk"))
    try:
        result = await connector.send(_message("x", "k"))
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE


async def test_storm_and_lost_responses_create_each_event_once(fake_microsoft: FakeMicrosoft) -> None:
    fake_microsoft.add_user(ORGANISER)
    fake_microsoft.faults.add(r"/events$", 429, method="POST", probability=0.3, retry_after=0)
    fake_microsoft.faults.add(r"/events$", 503, method="POST", probability=0.1)
    fake_microsoft.faults.add(
        r"/events$", None, method="POST", remaining=3, delay=1.2
    )  # reply after the timeout
    connector = create_connector(fake_microsoft.graph_config(organizer=ORGANISER, timeout_seconds=1.0))
    messages = [_message(f"session-{n}", f"invite-{n}") for n in range(500)]
    try:
        results = await deliver_all(connector.send, messages)
    finally:
        await connector.close()

    assert {r.status for r in results.values()} == {DeliveryStatus.DELIVERED}
    events = fake_microsoft.calendar.events.values()
    assert Counter(e["transactionId"] for e in events) == Counter(
        {transaction_id_for(m.idempotency_key): 1 for m in messages}
    )
    assert {r.provider_id for r in results.values()} == {e["id"] for e in events}
    assert len(fake_microsoft.ok(r"/events$")) == 503  # the 3 lost replies were retried and deduplicated


async def test_attendance_records_are_read_across_pages(fake_microsoft: FakeMicrosoft) -> None:
    organiser_id = fake_microsoft.add_user(ORGANISER)
    connector = create_connector(fake_microsoft.graph_config(organizer=ORGANISER))
    try:
        created = await connector.send(_message("academy-3", "k-academy"))
        join_url = fake_microsoft.calendar.events[str(created.provider_id)]["onlineMeeting"]["joinUrl"]
        meeting_id = await find_online_meeting_id(connector.graph, organiser_id, join_url)
        assert meeting_id is not None
        for session in range(3):  # three reports with five records each: pages of two
            fake_microsoft.calendar.add_report(
                meeting_id, [_record(f"l{session}-{n}@council.gov.uk") for n in range(5)]
            )
        records = await fetch_attendance_records(connector.graph, organiser_id, meeting_id)
    finally:
        await connector.close()
    assert len(records) == 15
    first = records[0]
    assert (first.email, first.role, first.total_seconds) == ("l0-0@council.gov.uk", "Attendee", 3000)
    assert first.first_join == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert first.last_leave == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert (
        len([r for r in fake_microsoft.received if "$skiptoken" in r.query]) == 1 + 3 * 2
    )  # reports + records


def _record(email: str) -> dict[str, object]:
    return {
        "emailAddress": email,
        "role": "Attendee",
        "totalAttendanceInSeconds": 3000,
        "identity": {"displayName": email.split("@")[0]},
        "attendanceIntervals": [
            {
                "joinDateTime": "2025-07-01T09:00:00Z",
                "leaveDateTime": "2025-07-01T09:30:00Z",
                "durationInSeconds": 1800,
            },
            {
                "joinDateTime": "2025-07-01T09:40:00Z",
                "leaveDateTime": "2025-07-01T10:00:00Z",
                "durationInSeconds": 1200,
            },
        ],
    }


async def test_lookup_by_uid_checks_the_uid_of_what_comes_back(fake_microsoft: FakeMicrosoft) -> None:
    """A listing that returns other events (here: the server ignored the $filter) must not make an
    update land on someone else's event; a uid with no matching event gets a new one."""
    fake_microsoft.add_user(ORGANISER)
    config = fake_microsoft.graph_config(organizer=ORGANISER)
    first = create_connector(config)
    try:
        review_1 = await first.send(_message("review-1", "k-1"))
    finally:
        await first.close()
    fake_microsoft.calendar.filter_ignored = True
    after_restart = create_connector(config)  # nothing remembered in memory: found by uid only
    try:
        review_2 = await after_restart.send(_message("review-2", "k-2", title="Academy session"))
        moved = await after_restart.send(_message("review-2", "k-3", title="Academy session (moved)"))
    finally:
        await after_restart.close()
    events = fake_microsoft.calendar.events
    assert review_2.status is DeliveryStatus.DELIVERED and review_2.provider_id != review_1.provider_id
    assert events[str(review_1.provider_id)]["subject"] == "Review day"  # untouched
    assert moved.provider_id == review_2.provider_id
    assert events[str(review_2.provider_id)]["subject"] == "Academy session (moved)"
    assert len(events) == 2
