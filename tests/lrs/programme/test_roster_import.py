"""Roster import against a real database: outcomes per row, idempotence, all-or-nothing, events, IFIs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from lrs.programme.queries import cohort_roster, enrolments_of, learner_by_ifi, learner_ifis
from lrs.programme.roster import Outcome, RosterReport, parse_roster_csv
from lrs.programme.roster_import import LEARNER_ENROLLED, LEARNER_WITHDRAWN, import_roster
from lrs.storage.engine import Database
from lrs.storage.models import OutboxEvent
from lrs.storage.programme_models import EnrolmentRow, LearnerRow, OrganisationRow

HEADER = "name,work email,employee number,council,role,cohort\n"
PRIYA = "Priya Shah,Priya.Shah@North.gov.example,N100,North Council,Director of Digital,pilot-1\n"
OMAR = "Omar Farouk,omar.farouk@vale-police.example,VP7,vale-police,Superintendent,pilot-1\n"
TOM = "Tom Reid,tom.reid@south.gov.example,S9,South Council,Head of IT,pilot-1\n"  # not eligible
HOME = "https://hr.north.gov.example"
T1 = datetime(2025, 8, 10, 12, 0, tzinfo=UTC)


async def _import(database: Database, text: str, **options: object) -> RosterReport:
    async with database.write_session() as session, session.begin():
        return await import_roster(session, parse_roster_csv(text), now=T1, **options)  # type: ignore[arg-type]


async def _enrolment_events(database: Database) -> int:
    async with database.read_session() as session:
        query = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == LEARNER_ENROLLED)
        return int(await session.scalar(query) or 0)


async def _count(database: Database, model: type[LearnerRow]) -> int:
    async with database.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _outcomes(report: RosterReport) -> list[str]:
    return [row.outcome.value for row in report.rows]


async def test_created_then_unchanged_then_updated(database: Database) -> None:
    first = await _import(database, HEADER + PRIYA + OMAR, account_home_page=HOME)
    assert (_outcomes(first), first.written) == (["created", "created"], True)
    again = await _import(database, HEADER + PRIYA + OMAR, account_home_page=HOME)
    assert _outcomes(again) == ["unchanged", "unchanged"]
    assert [row.learner_id for row in again.rows] == [row.learner_id for row in first.rows]
    changed = PRIYA.replace("Director of Digital", "Chief Digital Officer").replace("N100", "N200")
    third = await _import(database, HEADER + changed + OMAR, account_home_page=HOME)
    assert _outcomes(third) == ["updated", "unchanged"]
    assert third.rows[0].changes == ("employee_number", "role")
    assert await _count(database, LearnerRow) == 2
    async with database.read_session() as session:
        roster = await cohort_roster(session, "pilot-1")
        ifis = await learner_ifis(session, roster[1].learner.id)
    assert [(entry.learner.name, entry.learner.role) for entry in roster] == [
        ("Omar Farouk", "Superintendent"),
        ("Priya Shah", "Chief Digital Officer"),
    ]
    assert ifis == [
        f"account:{HOME}|N200",
        "mbox:mailto:Priya.Shah@north.gov.example",
        "mbox:mailto:priya.shah@north.gov.example",
    ]


async def test_learners_are_found_by_the_identifiers_statements_carry(database: Database) -> None:
    await _import(database, HEADER + PRIYA, account_home_page=HOME)
    async with database.read_session() as session:
        by_mbox = await learner_by_ifi(session, "mbox:mailto:Priya.Shah@north.gov.example")
        by_lower = await learner_by_ifi(session, "mbox:mailto:priya.shah@north.gov.example")
        by_account = await learner_by_ifi(session, f"account:{HOME}|N100")
        nobody = await learner_by_ifi(session, "mbox:mailto:someone@else.example")
        enrolments = await enrolments_of(session, by_mbox.id if by_mbox else -1)
    assert by_mbox is not None and by_mbox == by_lower == by_account
    assert (by_mbox.organisation_id, by_mbox.employee_number) == ("north-council", "N100")
    assert nobody is None
    assert [(item.cohort_id, item.programme_id, item.status) for item in enrolments] == [
        ("pilot-1", "pilot", "enrolled")
    ]


async def test_a_rejected_row_stops_the_whole_file(database: Database) -> None:
    report = await _import(database, HEADER + PRIYA + TOM + OMAR)
    assert _outcomes(report) == ["would create", "rejected", "would create"]
    assert "South Council is not eligible for cohort pilot-1" in report.rows[1].reason
    assert not report.written
    assert await _count(database, LearnerRow) == 0
    assert await _enrolment_events(database) == 0


async def test_accept_valid_imports_the_valid_rows(database: Database) -> None:
    report = await _import(database, HEADER + PRIYA + TOM + OMAR, accept_valid=True)
    assert report.written and report.counts() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "would create": 0,
        "would update": 0,
    }
    assert await _count(database, LearnerRow) == 2


async def test_a_dry_run_reports_and_writes_nothing(database: Database) -> None:
    report = await _import(database, HEADER + PRIYA, dry_run=True)
    assert (_outcomes(report), report.written, report.dry_run) == (["would create"], False, True)
    assert await _count(database, LearnerRow) == 0


async def test_every_row_is_checked(database: Database) -> None:
    rows = [
        ",nobody@north.gov.example,,North Council,Role,pilot-1",
        "No Email,not-an-address,,North Council,Role,pilot-1",
        "No Council,nc@north.gov.example,,,Role,pilot-1",
        "Wrong Cohort,wc@north.gov.example,,North Council,Role,pilot-9",
        "Dup,PRIYA.SHAH@north.gov.example,,North Council,Role,pilot-1",
        "Bad Sector,bs@east.example,,East Parish,Clerk,pilot-1",
    ]
    report = await _import(database, HEADER + PRIYA + "\n".join(rows) + "\n")
    reasons = [row.reason for row in report.rows[1:]]
    assert reasons == [
        "name is empty",
        "work email 'not-an-address' is not an e-mail address",
        "council/organisation is empty",
        "unknown cohort 'pilot-9'",
        "PRIYA.SHAH@north.gov.example is already on line 2 of this file",
        "East Parish is not eligible for cohort pilot-1: open to Local Digital Fund or the police sector(s)",
    ]
    assert [row.line for row in report.rows] == [2, 3, 4, 5, 6, 7, 8]


async def test_the_cohort_comes_from_the_option_when_the_row_has_none(database: Database) -> None:
    text = "name,email,council,sector\nNew Force,nf@east-police.example,East Police,police\n"
    report = await _import(database, text + "Other,o@north.gov.example,North Council,\n", cohort_id="pilot-1")
    assert _outcomes(report) == ["created", "created"]
    async with database.read_session() as session:
        created = await session.get(OrganisationRow, "east-police")
    assert created is not None and (created.name, created.sector) == ("East Police", "police")
    mismatch = await _import(database, HEADER + PRIYA.replace("pilot-1", "pilot-2"), cohort_id="pilot-1")
    assert mismatch.rows[0].reason == "the row is for cohort 'pilot-2', not 'pilot-1'"
    no_cohort = await _import(database, "name,email,council\nX,x@north.gov.example,North Council\n")
    assert no_cohort.rows[0].outcome is Outcome.REJECTED and "no cohort" in no_cohort.rows[0].reason


async def test_each_new_enrolment_writes_one_event(database: Database) -> None:
    first = await _import(database, HEADER + PRIYA + OMAR)
    await _import(database, HEADER + PRIYA + OMAR)
    async with database.read_session() as session:
        events = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == LEARNER_ENROLLED)))
    payloads = sorted((json.loads(event.payload) for event in events), key=lambda item: item["learner_id"])
    assert payloads == [
        {"learner_id": row.learner_id, "cohort_id": "pilot-1", "programme_id": "pilot"} for row in first.rows
    ]


async def test_an_identity_held_by_someone_else_is_refused(database: Database) -> None:
    await _import(database, HEADER + PRIYA, account_home_page=HOME)
    clash = "Omar Farouk,omar.farouk@vale-police.example,N100,vale-police,Superintendent,pilot-1\n"
    report = await _import(database, HEADER + clash, account_home_page=HOME)
    assert report.rows[0].reason.startswith(
        f"identity account:{HOME}|N100 already belongs to another learner"
    )


async def test_each_enrolment_gets_a_registration_kept_on_re_enrolment(database: Database) -> None:
    """`context.registration` for the enrolment: a UUID made once, kept when a withdrawn learner is back."""
    await _import(database, HEADER + PRIYA + OMAR, account_home_page=HOME)
    async with database.read_session() as session:
        first = {entry.learner.name: entry.registration for entry in await cohort_roster(session, "pilot-1")}
    assert len(set(first.values())) == 2
    assert all(str(uuid.UUID(value)) == value for value in first.values())
    async with database.write_session() as session, session.begin():
        await session.execute(update(EnrolmentRow).values(status="withdrawn"))
    back = await _import(database, HEADER + PRIYA + OMAR, account_home_page=HOME)
    assert _outcomes(back) == ["updated", "updated"]
    async with database.read_session() as session:
        roster = await cohort_roster(session, "pilot-1")
    assert {entry.learner.name: entry.registration for entry in roster} == first
    assert {entry.status for entry in roster} == {"enrolled"}


async def _events(database: Database, topic: str) -> list[dict[str, object]]:
    async with database.read_session() as session:
        payloads = await session.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.topic == topic).order_by(OutboxEvent.id)
        )
        return [json.loads(payload) for payload in payloads]


async def test_a_status_column_withdraws_and_a_later_row_enrols_again(database: Database) -> None:
    await _import(database, HEADER + PRIYA + OMAR)
    header = HEADER.rstrip("\n") + ",Status\n"
    withdraw = header + PRIYA.rstrip("\n") + ",Withdrawn\n" + OMAR.rstrip("\n") + ",\n"
    report = await _import(database, withdraw)
    assert _outcomes(report) == ["updated", "unchanged"] and report.rows[0].changes == ("status",)
    assert _outcomes(await _import(database, withdraw)) == ["unchanged", "unchanged"]
    withdrawn = await _events(database, LEARNER_WITHDRAWN)
    assert withdrawn == [
        {"learner_id": report.rows[0].learner_id, "cohort_id": "pilot-1", "programme_id": "pilot"}
    ]
    async with database.read_session() as session:
        statuses = {entry.learner.name: entry.status for entry in await cohort_roster(session, "pilot-1")}
    assert statuses == {"Priya Shah": "withdrawn", "Omar Farouk": "enrolled"}

    back = await _import(database, HEADER + PRIYA)  # no status column: enrolled, as any roster row
    assert _outcomes(back) == ["updated"] and back.rows[0].changes == ("status",)
    assert len(await _events(database, LEARNER_ENROLLED)) == 3  # two enrolments, one return


async def test_withdrawal_rows_that_cannot_be_carried_out_are_rejected(database: Database) -> None:
    await _import(database, HEADER + OMAR)
    header = HEADER.rstrip("\n") + ",status\n"
    text = header + PRIYA.rstrip("\n") + ",withdrawn\n" + OMAR.rstrip("\n") + ",on leave\n"
    report = await _import(database, text)
    assert _outcomes(report) == ["rejected", "rejected"] and report.written is False
    assert "is not on cohort 'pilot-1': there is nothing to withdraw" in report.rows[0].reason
    assert report.rows[1].reason == "status 'on leave' is not 'enrolled' or 'withdrawn'"


BAKER = "Dee Baker,dee.baker@north.gov.example,N314,North Council,Head of Service,pilot-1\n"


async def test_a_file_without_the_optional_columns_leaves_them_unchanged(database: Database) -> None:
    await _import(database, HEADER + BAKER, account_home_page=HOME)
    narrow = "name,work email,council,cohort\nDee Baker,dee.baker@north.gov.example,North Council,pilot-1\n"
    report = await _import(database, narrow, account_home_page=HOME)
    assert (_outcomes(report), report.rows[0].changes, report.rows[0].cleared) == (["unchanged"], (), ())
    withdrawal = (
        "name,work email,council,cohort,status\n"
        "Dee Baker,dee.baker@north.gov.example,North Council,pilot-1,withdrawn\n"
    )
    withdrawn = await _import(database, withdrawal, account_home_page=HOME)
    assert withdrawn.rows[0].changes == ("status",)
    async with database.read_session() as session:
        query = select(LearnerRow).where(LearnerRow.email_key == "dee.baker@north.gov.example")
        learner = await session.scalar(query)
        found = await learner_by_ifi(session, f"account:{HOME}|N314")
    assert learner is not None and (learner.employee_number, learner.role) == ("N314", "Head of Service")
    assert found is not None and found.id == learner.id


async def test_an_empty_cell_in_a_present_column_clears_and_the_report_says_so(database: Database) -> None:
    await _import(database, HEADER + BAKER)
    emptied = HEADER + BAKER.replace("Head of Service", "")
    report = await _import(database, emptied)
    row = report.rows[0]
    assert (_outcomes(report), row.changes, row.cleared) == (["updated"], ("role",), ("role",))
    assert report.as_json()["rows"][0]["cleared"] == ["role"]


async def test_nothing_written_is_reported_as_would_create_or_would_update(database: Database) -> None:
    dry = await _import(database, HEADER + BAKER, dry_run=True)
    assert _outcomes(dry) == ["would create"]
    assert (dry.counts()["would create"], dry.counts()["created"]) == (1, 0)
    await _import(database, HEADER + BAKER)
    changed = BAKER.replace("Head of Service", "Director")
    refused = await _import(database, HEADER + changed + TOM)  # Tom is not eligible: nothing is written
    assert (_outcomes(refused), refused.written) == (["would update", "rejected"], False)
    newcomer = "Kit Lowe,kit.lowe@north.gov.example,N2,North Council,Analyst,pilot-1\n"
    refused_new = await _import(database, HEADER + newcomer + TOM)
    assert _outcomes(refused_new) == ["would create", "rejected"]
