"""The audit log: admin API and CLI actions are recorded with their actor, readable by admins only
(GET /admin/audit, `lrs audit`), and hold no personal data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from lrs.cli import main
from tests.lrs.http.test_admin import CSV, ROSTER
from tests.lrs.programme.definitions import EXAMPLES_DIR
from tests.lrs_server import RunningLrs, running_lrs


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[RunningLrs]:
    async with running_lrs(database_url, programmes_dir=str(EXAMPLES_DIR)) as running:
        yield running


async def _entries(server: RunningLrs, **params: str) -> list[dict[str, object]]:
    response = await server.request("GET", "/admin/audit", params=params)
    assert response.status == 200, await response.text()
    return list((await response.json())["entries"])


async def test_admin_actions_are_recorded_without_personal_data(server: RunningLrs) -> None:
    path = "/admin/cohorts/lal-2025-autumn/roster"
    imported = await server.request("POST", path, data=ROSTER, headers=CSV, params={"accept_valid": "true"})
    assert imported.status == 200
    dry = await server.request("POST", path, data=ROSTER, headers=CSV, params={"dry_run": "true"})
    assert dry.status == 200
    cohort = await (await server.request("GET", "/admin/cohorts/lal-2025-autumn")).json()
    learner = cohort["roster"][0]["learner_id"]
    assert (await server.request("DELETE", f"/admin/people/{learner}")).status == 200
    entries = await _entries(server)
    assert [(e["action"], e["target"]) for e in entries] == [
        ("person.erase", f"learner:{learner}"),
        ("roster.import", "lal-2025-autumn"),
    ]
    assert {e["actor"] for e in entries} == {f"credential:{server.key}"}
    assert entries[1]["detail"]["created"] == 1  # type: ignore[index]
    text = json.dumps(entries)
    assert "@" not in text and "Priya" not in text and "AV1" not in text
    assert [e["action"] for e in await _entries(server, limit="1", before=str(entries[0]["id"]))] == [
        "roster.import"
    ]


async def test_only_admins_read_the_audit_log(server: RunningLrs) -> None:
    reader = await server.credential("statements/read", name="reader")
    assert (await server.request("GET", "/admin/audit", headers=reader)).status == 403
    assert (await server.request("GET", "/admin/audit", params={"limit": "0"})).status == 400
    assert (await server.request("GET", "/admin/audit", params={"before": "x"})).status == 400


async def test_credential_changes_from_the_cli_are_recorded(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LRS_LOG_LEVEL", "WARNING")
    assert await asyncio.to_thread(main, ["credentials", "create", "--name", "lms", "--json"]) == 0
    key = json.loads(capsys.readouterr().out)["key"]
    assert await asyncio.to_thread(main, ["credentials", "revoke", key]) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["audit", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["target"], e["actor"]) for e in entries[:2]] == [
        ("credential.revoke", key, "cli"),
        ("credential.create", key, "cli"),
    ]
    assert await asyncio.to_thread(main, ["audit"]) == 0
    assert "credential.create" in capsys.readouterr().out
