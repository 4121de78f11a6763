"""Calendar invitations by email (no calendar channel configured): an iCalendar REQUEST per session at
enrolment, a new REQUEST under the same UID with a higher SEQUENCE when a session moves, and a CANCEL
when the learner withdraws. The mail is parsed back from a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from connectors.email.connector import EmailConnector
from lrs.privacy.erase import erase_person
from lrs.programme.loader import parse_programme
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.programme.store import save_programme
from lrs.storage.engine import Database
from notifications.rules import parse_rules
from tests.fakes.smtp import FakeSmtpServer
from tests.notifications.engine import due_definition, engine, install, planned
from tests.notifications.support import ManualClock, clock, email

__all__ = ["clock", "email"]  # fixtures used below

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"
WITH_INVITES = parse_rules({})


def calendars(smtp: FakeSmtpServer) -> list[dict[str, str]]:
    """METHOD, UID, SEQUENCE and DTSTART of every iCalendar part sent, in order."""
    found = []
    for captured in smtp.captured():
        message: EmailMessage = captured.parsed()
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                lines = part.get_content().replace("\r\n ", "").splitlines()
                fields = dict(
                    line.split(":", 1) for line in lines if ":" in line and ";" not in line.split(":")[0]
                )
                event = lines[lines.index("BEGIN:VEVENT") :]
                start = next(line for line in event if line.startswith("DTSTART"))
                found.append(
                    {
                        "METHOD": fields["METHOD"],
                        "UID": fields["UID"],
                        "SEQUENCE": fields["SEQUENCE"],
                        "DTSTART": start,
                    }
                )
    return found


async def test_request_then_update_then_cancel_under_one_uid(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(database, clock, {"email": email}, WITH_INVITES)
    await run.run()
    sent = calendars(smtp)
    uid = f"cohort-lrs:lead-1:s1:learner-{learners[ADA]}"
    assert [(item["METHOD"], item["UID"], item["SEQUENCE"]) for item in sent] == [
        ("REQUEST", uid, "1"),
        ("REQUEST", uid.replace(":s1:", ":s2:"), "1"),
    ]
    assert sent[0]["DTSTART"] == "DTSTART;TZID=Europe/London:20260210T100000"

    moved = due_definition()
    moved["sessions"][0]["start"], moved["sessions"][0]["end"] = "2026-02-12T10:00:00", "2026-02-12T12:00:00"
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(moved), source="test", now=clock.now)
    await run.run()
    update = calendars(smtp)[2:]
    assert [(item["METHOD"], item["UID"], item["SEQUENCE"], item["DTSTART"]) for item in update] == [
        ("REQUEST", uid, "2", "DTSTART;TZID=Europe/London:20260212T100000")
    ]

    withdrawn = RosterRow(
        2, "Learner0 Surname", ADA, "", "north-council", "Head", "lead-1", status="withdrawn"
    )
    async with database.write_session() as session, session.begin():
        await import_roster(session, [withdrawn], now=clock.now)
    await run.run()
    cancels = calendars(smtp)[3:]
    assert sorted((item["METHOD"], item["UID"], item["SEQUENCE"]) for item in cancels) == [
        ("CANCEL", uid, "3"),
        ("CANCEL", uid.replace(":s1:", ":s2:"), "2"),
    ]


async def test_an_erased_learner_gets_nothing_more_not_even_a_cancel(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA], clock.now)
    run = engine(database, clock, {"email": email}, WITH_INVITES)
    await run.run()
    assert len(calendars(smtp)) == 2
    await erase_person(database, email=ADA, base_url="https://lrs.test", now=clock.now)
    await run.at(datetime(2026, 3, 1, tzinfo=UTC))
    assert len(smtp.captured()) == 3  # the welcome and the two invitations, from before
    rows = await planned(database)
    assert not any(row.occurrence.endswith("@cancelled") for row in rows.values())
    mine = [row for row in rows.values() if row.learner_id is not None]  # not the cohort's weekly posts
    assert {row.state for row in mine if row.rule != "welcome" and row.rule != "session_invite"} == {
        "cancelled"
    }
    assert learners[ADA] in {row.learner_id for row in rows.values()}


def review_definition(review_start: str | None = "2026-02-17") -> dict[str, Any]:
    """s1 is the block day, s2 the review day (on `review_start`, or removed when None)."""
    found = due_definition()
    found["sessions"][0]["kind"] = "block-day"
    found["sessions"][1]["kind"] = "review-day"
    found["completion"] = {"modules": ["intro", "quiz"]}
    if review_start is None:
        found["sessions"] = found["sessions"][:1]
    else:
        found["sessions"][1]["start"] = f"{review_start}T10:00:00"
        found["sessions"][1]["end"] = f"{review_start}T12:00:00"
    return found


async def test_the_review_day_invitation_is_updated_under_its_uid_and_cancelled(
    database: Database, clock: ManualClock, email: EmailConnector, smtp: FakeSmtpServer
) -> None:
    _programme, learners = await install(database, [ADA, BEN], clock.now, review_definition())
    run = engine(database, clock, {"email": email}, WITH_INVITES)
    await run.run()
    ada, ben = (f"cohort-lrs:lead-1:s2:learner-{learners[who]}" for who in (ADA, BEN))

    def review_day() -> list[tuple[str, str, str, str]]:
        return [
            (item["UID"], item["METHOD"], item["SEQUENCE"], item["DTSTART"][-15:-7])
            for item in calendars(smtp)
            if ":s2:" in item["UID"]
        ]

    assert sorted(review_day()) == [(ada, "REQUEST", "1", "20260217"), (ben, "REQUEST", "1", "20260217")]

    await save(database, review_definition("2026-02-19"), clock)  # the review day moves
    await run.run()
    assert sorted(review_day()[2:]) == [(ada, "REQUEST", "2", "20260219"), (ben, "REQUEST", "2", "20260219")]
    invite = (await planned(database))[f"review_day_invite:lead-1:learner-{learners[ADA]}:s2"]
    assert (invite.state, invite.due_at) == ("planned", datetime(2026, 2, 11, 12, tzinfo=UTC))

    withdrawn = RosterRow(
        3, "Learner1 Surname", BEN, "", "north-council", "Head", "lead-1", status="withdrawn"
    )
    async with database.write_session() as session, session.begin():
        await import_roster(session, [withdrawn], now=clock.now)
    await run.run()
    assert review_day()[4:] == [(ben, "CANCEL", "3", "20260219")]

    await run.at(datetime(2026, 2, 11, 13, tzinfo=UTC))
    assert (await planned(database))[
        f"review_day_invite:lead-1:learner-{learners[ADA]}:s2"
    ].state == "delivered"
    await save(database, review_definition(None), clock)  # the review day is removed
    await run.run()
    assert review_day()[5:] == [(ada, "CANCEL", "3", "20260219")]
    assert not [
        row
        for row in (await planned(database)).values()
        if row.rule == "review_day_invite" and row.state == "planned"
    ]


async def save(database: Database, definition: dict[str, Any], clock: ManualClock) -> None:
    async with database.write_session() as session, session.begin():
        await save_programme(session, parse_programme(definition), source="test", now=clock.now)
