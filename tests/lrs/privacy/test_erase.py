"""Erasure and subject access, on SQLite and PostgreSQL: after `DELETE /admin/people/{id}` no table,
export or outbox payload holds the person's email, name or employee number; statements stay, under a
pseudonym; the subject-access export beforehand holds everything."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from lrs.clock import utc_now
from lrs.demo_cohort import DEMO_COHORT_ID, ensure_demo_cohort
from lrs.http.context import DATABASE, SETTINGS
from lrs.privacy.erase import erase_person
from lrs.privacy.export import subject_access, write_export
from lrs.programme.roster import RosterRow
from lrs.programme.roster_import import import_roster
from lrs.progress.install import event_worker
from lrs.storage.models import Statement
from lrs.storage.programme_models import LearnerRow
from lrs.storage.schema import all_metadata
from notifications.delivery_log import DeliveryLog
from notifications.preference_models import NotificationPreference
from notifications.preferences import Preferences, save_preferences
from tests.lrs_server import RunningLrs, basic_auth

EMAIL, NAME, NUMBER = "Rhodri.Vaughan@Ashvale.example.gov.uk", "Rhodri Vaughan", "AV-40417"
OTHER = "siân.lloyd@brookmere.example.gov.uk"
XAPI = {"X-Experience-API-Version": "2.0.0"}


async def _enrol(lrs: RunningLrs) -> int:
    database = lrs.app[DATABASE]
    await ensure_demo_cohort(database, base_url=lrs.app[SETTINGS].base_url, clock=utc_now)
    rows = [
        RosterRow(
            line=2,
            name=NAME,
            email=EMAIL,
            organisation="demo-ashvale",
            employee_number=NUMBER,
            role="Director",
        ),
        RosterRow(line=3, name="Siân Lloyd", email=OTHER, organisation="demo-brookmere", role="Head of IT"),
    ]
    async with database.write_session() as session, session.begin():
        report = await import_roster(session, rows, cohort_id=DEMO_COHORT_ID, now=utc_now())
    learner_id = report.rows[0].learner_id
    assert learner_id is not None
    async with database.write_session() as session, session.begin():
        await save_preferences(session, learner_id, Preferences(language="cy"), now=utc_now())
    return learner_id


def _statement(email: str, name: str, verb: str, instructor: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "actor": {"objectType": "Agent", "name": name, "mbox": f"mailto:{email}"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-GB": verb}},
        "object": {
            "objectType": "Activity",
            "id": "https://cohort-lrs.example/demo/modules/data-for-decisions",
        },
    }
    if instructor:
        statement["context"] = {
            "instructor": {"objectType": "Agent", "name": NAME, "mbox": f"mailto:{instructor}"}
        }
    return statement


async def _activity(lrs: RunningLrs) -> None:
    auth = {**basic_auth(lrs.key, lrs.secret), **XAPI}
    url = lrs.server.make_url
    batch = [
        _statement(EMAIL, NAME, "launched"),
        _statement(EMAIL.lower(), NAME, "completed"),
        _statement(OTHER, "Siân Lloyd", "launched", instructor=EMAIL),
    ]
    response = await lrs.session.post(url("/xapi/statements"), json=batch, headers=auth)
    assert response.status == 200, await response.text()
    agent = json.dumps({"objectType": "Agent", "mbox": f"mailto:{EMAIL}"})
    state = {
        "activityId": "https://cohort-lrs.example/demo/modules/data-for-decisions",
        "agent": agent,
        "stateId": "bookmark",
    }
    response = await lrs.session.put(
        url("/xapi/activities/state"), params=state, json={"page": 7, "by": NAME}, headers=auth
    )
    assert response.status == 204, await response.text()
    profile = {"agent": agent, "profileId": "preferences"}
    response = await lrs.session.put(
        url("/xapi/agents/profile"), params=profile, json={"nickname": "Rhod"}, headers=auth
    )
    assert response.status == 204, await response.text()
    log = DeliveryLog(lrs.app[DATABASE])
    await log.claim(
        "welcome:1", channel="email", recipient=EMAIL.lower(), now=utc_now(), lease=timedelta(minutes=1)
    )
    await event_worker(lrs.app[SETTINGS], lrs.app[DATABASE], clock=utc_now).run_until_idle()


async def _tables_mentioning(lrs: RunningLrs, needles: list[str]) -> dict[str, list[str]]:
    """Every table's rows as text, searched case-insensitively for each needle."""
    found: dict[str, list[str]] = {}
    async with lrs.app[DATABASE].read_session() as session:
        for table in all_metadata().sorted_tables:
            rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
            dump = "\n".join(repr(tuple(row)) for row in rows).lower()
            hits = [needle for needle in needles if needle.lower() in dump]
            if hits:
                found[table.name] = hits
    return found


async def test_erasure_leaves_no_identity_anywhere_and_keeps_the_statements(
    lrs: RunningLrs, tmp_path: Path
) -> None:
    learner_id = await _enrol(lrs)
    await _activity(lrs)
    database = lrs.app[DATABASE]
    needles = [EMAIL, NAME, NUMBER, "Rhodri", 'Rhod"']
    assert set(await _tables_mentioning(lrs, needles)) >= {
        "learners",
        "persons",
        "agent_forms",
        "documents",
        "deliveries",
    }

    export = await subject_access(database, email=EMAIL.upper(), now=utc_now())
    written, summary = write_export(export, tmp_path / "sar.json")
    assert export["learner"]["employee_number"] == NUMBER and export["learner"]["name"] == NAME
    verbs = sorted(item["verb"]["id"].rsplit("/", 1)[1] for item in export["statements"])
    assert verbs == ["completed", "launched", "launched", "satisfied"]  # instructor in one; the LRS's own
    assert {item["id"] for item in export["documents"]} == {"bookmark", "preferences"}
    assert len(export["messages"]) == 1
    assert json.loads(written.read_text())["learner"]["work_email"] == EMAIL
    assert NAME in summary.read_text() and "<h1>" in summary.read_text()

    async with database.read_session() as session:
        statements_before = await session.scalar(select(func.count()).select_from(Statement))
    dry = await erase_person(database, email=EMAIL, base_url="http://lrs.test", now=utc_now(), dry_run=True)
    assert dry.dry_run and dry.removed["documents"] == 2 and dry.removed["learners"] == 1
    assert set(await _tables_mentioning(lrs, needles)) >= {"learners", "persons"}  # nothing changed

    auth = {**basic_auth(lrs.key, lrs.secret)}
    response = await lrs.session.delete(lrs.server.make_url(f"/admin/people/{learner_id}"), headers=auth)
    assert response.status == 200, await response.text()
    receipt = await response.json()
    assert receipt["learner_id"] == learner_id and receipt["removed"]["agent_forms"] >= 2
    assert EMAIL.lower() not in json.dumps(receipt).lower() and NAME not in json.dumps(receipt)
    await event_worker(lrs.app[SETTINGS], database, clock=utc_now).run_until_idle()

    assert await _tables_mentioning(lrs, needles) == {}
    async with database.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Statement)) == statements_before
        learner = await session.get(LearnerRow, learner_id)
        assert learner is not None and learner.erased_at is not None
        assert await session.get(NotificationPreference, learner_id) is None
        assert (
            await session.scalar(select(LearnerRow.name).where(LearnerRow.email_key == OTHER))
        ) == "Siân Lloyd"
    response = await lrs.session.get(
        lrs.server.make_url("/xapi/statements"), params={"limit": "1000"}, headers={**auth, **XAPI}
    )
    body = await response.text()
    assert EMAIL.lower() not in body.lower() and NAME not in body
    assert receipt["pseudonym"] in body  # the statements are still there, under the pseudonym


async def test_bad_requests_are_clear(lrs: RunningLrs) -> None:
    auth = basic_auth(lrs.key, lrs.secret)
    for path, status in (
        ("/admin/people/abc", 400),
        ("/admin/people/99999999999999999999", 400),
        ("/admin/people/424242", 404),
    ):
        response = await lrs.session.delete(lrs.server.make_url(path), headers=auth)
        assert response.status == status, path
        assert "message" in await response.json() or "error" in await response.text()
    learner_id = await _enrol(lrs)
    response = await lrs.session.delete(
        lrs.server.make_url(f"/admin/people/{learner_id}"), params={"dry_run": "maybe"}, headers=auth
    )
    assert response.status == 400 and "dry_run" in await response.text()
    narrow = await lrs.session.delete(lrs.server.make_url(f"/admin/people/{learner_id}"))
    assert narrow.status == 401
