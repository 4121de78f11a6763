"""`lrs attendance ...` end to end: programme and roster loaded by the CLI, then registers and links."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from connectors.calendar.client import CalendarClient
from lrs.attendance.checkin import FacilitatorLink, link_key, verify_link
from lrs.attendance.marks import current_marks
from lrs.attendance.rsvp import RSVP_VERBS
from lrs.attendance.sessions import StoredSessionDirectory
from lrs.attendance.statements import ABSENT_VERB, ATTENDED_VERB
from lrs.attendance.teams import graph_client_for
from lrs.cli import main
from lrs.storage.credentials import load_hash_key
from lrs.storage.engine import open_database
from lrs.storage.models import Statement
from tests.fakes.microsoft import FakeMicrosoft
from tests.fakes.ms_calendar import Meeting
from tests.lrs.attendance.support import (
    FACILITATOR,
    JOIN_URL,
    ORGANISER,
    PROGRAMME_TOML,
    ROSTER_CSV,
)


@pytest.fixture
def lrs_config(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    programmes = tmp_path / "programmes"
    programmes.mkdir()
    (programmes / "attendance-test.toml").write_text(PROGRAMME_TOML)
    monkeypatch.setenv("LRS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LRS_PROGRAMMES_DIR", str(programmes))
    monkeypatch.setenv("LRS_PUBLIC_URL", "https://lrs.council.example")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER_CSV)
    assert main(["programme", "load"]) == 0
    assert main(["roster", "import", str(roster)]) == 0
    return tmp_path


def test_import_register_and_checkin_link(
    lrs_config: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    register = lrs_config / "register.csv"
    register.write_text("email,status\nada@council.gov.uk,present\nbob@council.gov.uk,nope\n")
    capsys.readouterr()
    args = [
        "attendance",
        "import-register",
        str(register),
        "--session",
        "att-room",
        "--facilitator",
        FACILITATOR,
    ]
    assert main(args) == 1
    assert json.loads(capsys.readouterr().out)["stored"] is False
    assert main([*args, "--accept-valid"]) == 0
    assert [row["outcome"] for row in json.loads(capsys.readouterr().out)["rows"]] == ["recorded", "error"]
    assert (
        main(
            [
                "attendance",
                "checkin-link",
                "--session",
                "att-room",
                "--facilitator",
                FACILITATOR,
                "--hours",
                "2",
            ]
        )
        == 0
    )
    url = urlsplit(capsys.readouterr().out.strip())
    assert (url.scheme, url.netloc, url.path) == ("https", "lrs.council.example", "/checkin/att-room")
    link = asyncio.run(_verify(sqlite_url, parse_qs(url.query)["token"][0]))
    assert link.facilitator.email == FACILITATOR
    assert main(["attendance", "checkin-link", "--session", "nope", "--facilitator", FACILITATOR]) == 2


async def _verify(url: str, token: str) -> FacilitatorLink:
    database = open_database(url)
    try:
        async with database.write_session() as session, session.begin():
            key = link_key(await load_hash_key(session, ""))
    finally:
        await database.dispose()
    return verify_link(token, key, session_id="att-room", now=datetime.now(UTC))


def _teams_settings_file(folder: Path, fake_microsoft: FakeMicrosoft) -> Path:
    """A settings file whose [connectors.teams] table points at the fake Microsoft 365."""
    config = folder / "settings.toml"
    teams = "\n".join(f"{key} = {json.dumps(value)}" for key, value in fake_microsoft.graph_config().items())
    config.write_text(f"[connectors.teams]\n{teams}\n")
    return config


@pytest.mark.parametrize("which", [["--session", "att-online"], ["--due", "--days", "3650"]])
async def test_pull_teams(
    lrs_config: Path, sqlite_url: str, fake_microsoft: FakeMicrosoft, which: list[str]
) -> None:
    meeting = Meeting("MSo-cli", fake_microsoft.add_user(ORGANISER), JOIN_URL)
    fake_microsoft.calendar.meetings[meeting.id] = meeting
    fake_microsoft.calendar.add_report(
        meeting.id,
        [{"emailAddress": "ada@council.gov.uk", "totalAttendanceInSeconds": 1900, "attendanceIntervals": []}],
    )
    config = _teams_settings_file(lrs_config, fake_microsoft)
    command = ["--config", str(config), "attendance", "pull-teams", *which, "--min-minutes", "30"]
    assert await asyncio.to_thread(main, command) == 0
    database = open_database(sqlite_url)
    try:
        plan = await StoredSessionDirectory(database).session_plan("att-online")
        marks = await current_marks(database, plan.session, [a.email for a in plan.attendees])
    finally:
        await database.dispose()
    assert marks["ada@council.gov.uk"].statement["verb"]["id"] == ATTENDED_VERB  # 31:40 >= 30 minutes
    assert marks["bob@council.gov.uk"].statement["verb"]["id"] == ABSENT_VERB


async def test_pull_rsvps(
    lrs_config: Path, sqlite_url: str, fake_microsoft: FakeMicrosoft, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_microsoft.add_user(ORGANISER)
    config = _teams_settings_file(lrs_config, fake_microsoft)
    graph = graph_client_for({"teams": fake_microsoft.graph_config()})
    try:
        body = {
            "subject": "Academy 1",
            "start": {"dateTime": "2025-10-21T10:00:00", "timeZone": "GMT Standard Time"},
            "end": {"dateTime": "2025-10-21T12:00:00", "timeZone": "GMT Standard Time"},
            "attendees": [
                {"emailAddress": {"address": "ada@council.gov.uk"}, "type": "required"},
                {"emailAddress": {"address": "stranger@elsewhere.example"}, "type": "required"},
            ],
        }
        event_id = str((await CalendarClient(graph, ORGANISER).create(body))["id"])
    finally:
        await graph.close()
    fake_microsoft.calendar.respond(event_id, "ada@council.gov.uk", "accepted")
    fake_microsoft.calendar.respond(event_id, "stranger@elsewhere.example", "declined")
    command = [
        "--config",
        str(config),
        "attendance",
        "pull-rsvps",
        "--session",
        "att-online",
        "--event-id",
        event_id,
    ]
    assert await asyncio.to_thread(main, command) == 0
    out = capsys.readouterr().out
    assert "recorded:   ada@council.gov.uk" in out and "stranger@elsewhere.example" in out
    database = open_database(sqlite_url)
    try:
        async with database.read_session() as session:
            verbs = list(await session.scalars(select(Statement.verb_iri)))
    finally:
        await database.dispose()
    assert verbs == [RSVP_VERBS["accepted"]]
