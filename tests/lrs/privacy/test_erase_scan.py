"""After an erasure, on SQLite and PostgreSQL, nothing the LRS holds or hands out names the person:
not a table, not an export (completions as JSON, CSV and XLSX; another person's subject-access
export; the dashboards' CSVs and pages; the admin and xAPI reads), not the outbox payloads, not a
file of the local channel's var/outbox (their messages, and a team digest that named them) and not
one line of the JSON logs of the whole run. The needles: email, name and employee number."""

from __future__ import annotations

import email
import io
import json
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import policy
from pathlib import Path

import aiohttp
from sqlalchemy import select

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.local.client import list_outbox
from connectors.local.connector import LocalConnector
from connectors.local.settings import LocalSettings
from lrs.clock import utc_now
from lrs.dashboard.users import create_staff_user
from lrs.demo_cohort import DEMO_COHORT_ID
from lrs.http.access_log import RequestIdFilter
from lrs.http.context import DATABASE, SETTINGS
from lrs.logs import JsonFormatter
from lrs.privacy.erase import erase_person
from lrs.privacy.export import subject_access, write_export
from lrs.progress.install import event_worker
from lrs.storage.models import OutboxEvent
from notifications.delivery_log import DeliveryLog
from tests.lrs.dashboard.support import csrf_in
from tests.lrs.privacy.test_erase import (
    EMAIL,
    NAME,
    NUMBER,
    OTHER,
    XAPI,
    _activity,
    _enrol,
    _tables_mentioning,
)
from tests.lrs_server import RunningLrs, basic_auth, running_lrs

NEEDLES = [EMAIL, NAME, NUMBER]
SOMEONE = "sam.jones@brookmere.example.gov.uk"
STAFF, PASSWORD = "dpo.admin@example.gov.uk", "correct horse battery staple"


@contextmanager
def json_logs() -> Iterator[io.StringIO]:
    """Every record of the run, at the service's default level, as its JSON log lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _text(body: bytes) -> str:
    if body.startswith(b"PK"):  # an XLSX workbook: the text of its parts
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return "\n".join(workbook.read(name).decode() for name in workbook.namelist())
    return body.decode()


def _mentions(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle.lower() in text.lower()]


async def _signed_in(lrs: RunningLrs, client: aiohttp.ClientSession) -> None:
    async with lrs.app[DATABASE].write_session() as session, session.begin():
        await create_staff_user(
            session, email=STAFF, role="admin", organisations=(), password=PASSWORD, now=utc_now()
        )
    form = await client.get(lrs.server.make_url("/sign-in"))
    data = {
        "email": STAFF,
        "password": PASSWORD,
        "csrf_token": csrf_in(await form.text()),
        "next": "/dashboard/",
    }
    signed_in = await client.post(lrs.server.make_url("/sign-in"), data=data, allow_redirects=False)
    assert signed_in.status == 303


def _reads(learner_id: int) -> list[tuple[str, dict[str, str]]]:
    agent = json.dumps({"objectType": "Agent", "mbox": f"mailto:{EMAIL}"})
    return [
        ("/api/v1/completions", {"format": "json"}),
        ("/api/v1/completions", {"format": "csv"}),
        ("/api/v1/completions", {"format": "excel"}),
        ("/api/v1/completions", {"format": "xlsx"}),
        ("/xapi/statements", {"limit": "1000"}),
        ("/xapi/agents", {"agent": agent}),
        (f"/admin/cohorts/{DEMO_COHORT_ID}", {}),
        (f"/admin/cohorts/{DEMO_COHORT_ID}/confidence", {}),
        ("/admin/notifications", {}),
        ("/admin/audit", {}),
        (f"/dashboard/cohorts/{DEMO_COHORT_ID}", {}),
        (f"/dashboard/cohorts/{DEMO_COHORT_ID}/roster.csv", {}),
        (f"/dashboard/cohorts/{DEMO_COHORT_ID}/overview", {}),
        ("/dashboard/councils/demo-ashvale", {}),
        ("/dashboard/councils/demo-ashvale/learners.csv", {}),
        (f"/dashboard/learners/{learner_id}", {}),
    ]


async def _exports_mentioning(
    lrs: RunningLrs, client: aiohttp.ClientSession, learner_id: int
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    headers = {**basic_auth(lrs.key, lrs.secret), **XAPI}
    for path, params in _reads(learner_id):
        sender = client if path.startswith("/dashboard/") else lrs.session
        async with sender.get(lrs.server.make_url(path), params=params, headers=headers) as response:
            gone = path.startswith("/dashboard/learners/") and response.status == 404  # once erased
            assert response.status == 200 or gone, (path, response.status)
            text = _text(await response.read())
        if path == "/xapi/agents":  # the Person object repeats the agent asked about: only that
            text = text.replace(f"mailto:{EMAIL}", "", 1)
        hits = _mentions(text)
        if hits:
            found[f"{path} {params}"] = hits
    return found


async def _others_export_mentions(lrs: RunningLrs, tmp_path: Path) -> list[str]:
    """The subject-access export of the person who had the erased one as instructor."""
    export = await subject_access(lrs.app[DATABASE], email=OTHER, now=utc_now())
    assert export["statements"], "the other person's statements are in their export"
    written, summary = write_export(export, tmp_path / "other.json")
    return _mentions(written.read_text() + summary.read_text())


async def _write_local_messages(folder: Path) -> None:
    """What the local channel would hold: a welcome to the person and the team's digest naming them."""
    connector = LocalConnector(LocalSettings(folder=folder))
    for message in (
        RenderedMessage(
            "welcome:demo-cohort:1@local",
            Recipient(EMAIL, NAME),
            f"Welcome, {NAME}",
            f"Your number: {NUMBER}",
        ),
        RenderedMessage(
            "team_digest:demo-cohort:2026-W10@local",
            Recipient(STAFF, "Programme team"),
            f"Behind this week: {NAME}",
            f"demo-ashvale\n- {NAME} ({NUMBER}): no module yet\n- Sam Jones: missed a session",
            html=f"<ul><li>{NAME} ({NUMBER})</li><li>Sam Jones</li></ul>",
        ),
    ):
        assert (await connector.send(message)).status is DeliveryStatus.DELIVERED


def _files_mentioning(folder: Path) -> dict[str, list[str]]:
    """Every file under the folder, as text (an .eml's parts decoded), that names the person."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            raw = path.read_bytes()
            text = raw.decode(errors="replace")
            if path.suffix == ".eml":
                parsed = email.message_from_bytes(raw, policy=policy.default)
                parts = [part.get_content() for part in parsed.walk() if not part.is_multipart()]
                text += "\n".join([str(parsed["Subject"]), *map(str, parts)])
            if hits := _mentions(text):
                found[path.name] = hits
    return found


async def test_after_an_erasure_nothing_names_the_person(database_url: str, tmp_path: Path) -> None:
    outbox = tmp_path / "var" / "outbox"
    local = {"local": {"folder": str(outbox)}}
    with json_logs() as logs:
        async with running_lrs(database_url, connectors=local) as lrs:
            await _erase_and_scan(lrs, tmp_path, outbox)
    lines = logs.getvalue().splitlines()
    assert len(lines) > 20 and all(json.loads(line)["request_id"] for line in lines)
    leaking = [line for line in lines if _mentions(line)]
    assert leaking == [], leaking[:5]


async def _erase_and_scan(lrs: RunningLrs, tmp_path: Path, outbox: Path) -> None:
    learner_id = await _enrol(lrs)
    await _activity(lrs)
    await _write_local_messages(outbox)
    assert len(_files_mentioning(outbox)) == 4  # both messages' .eml and .json: the scan sees them
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await _signed_in(lrs, client)
        before = await _exports_mentioning(lrs, client, learner_id)
        assert {"/api/v1/completions {'format': 'xlsx'}", "/xapi/statements {'limit': '1000'}"} <= set(before)
        assert f"/dashboard/cohorts/{DEMO_COHORT_ID}/roster.csv {{}}" in before  # the scan sees them
        assert NAME in await _others_export_mentions(lrs, tmp_path)  # as their instructor

        auth = basic_auth(lrs.key, lrs.secret)
        erased = await lrs.session.delete(lrs.server.make_url(f"/admin/people/{learner_id}"), headers=auth)
        assert erased.status == 200, await erased.text()
        await event_worker(lrs.app[SETTINGS], lrs.app[DATABASE], clock=utc_now).run_until_idle()

        assert await _tables_mentioning(lrs, NEEDLES) == {}
        assert await _exports_mentioning(lrs, client, learner_id) == {}
        assert await _others_export_mentions(lrs, tmp_path) == []
    async with lrs.app[DATABASE].read_session() as session:
        payloads = "\n".join(await session.scalars(select(OutboxEvent.payload)))
    assert payloads and _mentions(payloads) == []
    assert _files_mentioning(outbox) == {}
    assert [entry.recipient for entry in list_outbox(outbox)] == [STAFF]  # the digest, redacted


async def test_an_erasure_asked_in_another_case_finds_every_delivery(lrs: RunningLrs) -> None:
    """The roster spelt the address with capitals, so messages went to it that way; the request
    came in lower case (or the reverse): the delivery log must not keep the address."""
    await _enrol(lrs)
    log = DeliveryLog(lrs.app[DATABASE])
    for key, recipient in (("welcome:as-rostered", EMAIL), ("nudge:shouted", EMAIL.upper())):
        await log.claim(key, channel="email", recipient=recipient, now=utc_now(), lease=timedelta(minutes=1))
    receipt = await erase_person(
        lrs.app[DATABASE], email=EMAIL.lower(), base_url="http://lrs.test", now=utc_now()
    )
    assert receipt.removed["deliveries"] == 2
    assert await _tables_mentioning(lrs, NEEDLES) == {}


async def test_an_erasure_removes_the_persons_messages_from_the_local_outbox(
    database_url: str, tmp_path: Path
) -> None:
    """The local channel keeps what it sent as files, which /admin/outbox lists: the person's go
    (a dry run counts them), everyone else's stay."""
    folder = tmp_path / "outbox"
    async with running_lrs(database_url, connectors={"local": {"folder": str(folder)}}) as lrs:
        learner_id = await _enrol(lrs)
        connector = LocalConnector(LocalSettings(folder=folder))
        sent = (
            ("w:1", EMAIL, NAME, NUMBER),
            ("w:2", EMAIL.upper(), NAME, NUMBER),
            ("w:3", SOMEONE, "Sam", "S-1"),
        )
        for key, to, name, number in sent:
            message = RenderedMessage(key, Recipient(to, name), f"Welcome {name}", f"Dear {name} ({number})")
            assert (await connector.send(message)).status is DeliveryStatus.DELIVERED
        url, auth = lrs.server.make_url(f"/admin/people/{learner_id}"), basic_auth(lrs.key, lrs.secret)
        dry = await (await lrs.session.delete(url, params={"dry_run": "true"}, headers=auth)).json()
        assert dry["removed"]["local outbox messages"] == 2 and len(list_outbox(folder)) == 3
        receipt = await (await lrs.session.delete(url, headers=auth)).json()
        assert receipt["removed"]["local outbox messages"] == 2
        left = "\n".join(path.read_text(errors="replace") for path in folder.iterdir())
        assert [entry.recipient for entry in list_outbox(folder)] == [SOMEONE] and _mentions(left) == []
