"""`lrs person erase` in one process while `lrs serve` runs in another, on SQLite and PostgreSQL: the
server had remembered the person's row ids (lrs.storage.known_ids) and must not reuse them, so a new
statement by the same address is stored as that person again, never under the erased pseudonym, and
the erased history stays unlinked from them."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from bench.lrs_process import free_port
from tests.conftest import migrated_database
from tests.lrs.test_crash_recovery import serving
from tests.lrs_server import basic_auth

EMAIL, NAME = "zoe.ashworth@north.example.gov.uk", "Zoe Ashworth"
ACTIVITY = "https://cohort-lrs.example/modules/erasure"


async def lrs_cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lrs", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, f"lrs {' '.join(args)}: {stderr.decode()}"
    return stdout.decode()


def _statement(verb: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": NAME, "mbox": f"mailto:{EMAIL}"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"objectType": "Activity", "id": ACTIVITY},
    }


async def _post(client: aiohttp.ClientSession, url: str, headers: dict[str, str], verb: str) -> str:
    statement = _statement(verb)
    async with client.post(f"{url}/xapi/statements", json=[statement], headers=headers) as response:
        assert response.status == 200, await response.text()
    return str(statement["id"])


async def _get(client: aiohttp.ClientSession, url: str, headers: dict[str, str], **params: str) -> Any:
    async with client.get(f"{url}/xapi/statements", params=params, headers=headers) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_a_server_forgets_what_it_knew_of_a_person_erased_by_the_cli(
    database_url: str, tmp_path: Path
) -> None:
    async with migrated_database(database_url):
        env = {
            **os.environ,
            "LRS_DATABASE_URL": database_url,
            "LRS_PUBLIC_URL": "https://lrs.test",
            "LRS_LOG_LEVEL": "WARNING",
        }
        pair = json.loads(await lrs_cli(env, tmp_path, "credentials", "create", "--name", "t", "--json"))
        headers = {**basic_auth(pair["key"], pair["secret"]), "X-Experience-API-Version": "1.0.3"}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        async with serving(env, tmp_path, port), aiohttp.ClientSession() as client:
            before = [await _post(client, url, headers, verb) for verb in ("launched", "progressed")]
            receipt = json.loads(await lrs_cli(env, tmp_path, "person", "erase", EMAIL, "--json"))
            assert receipt["removed"]["persons"] == 1
            after = await _post(client, url, headers, "completed")

            fresh = await _get(client, url, headers, statementId=after)
            assert fresh["actor"]["mbox"] == f"mailto:{EMAIL}", "a new statement was stored as the pseudonym"
            theirs = await _get(client, url, headers, agent=json.dumps({"mbox": f"mailto:{EMAIL}"}))
            assert [item["id"] for item in theirs["statements"]] == [after], "the erased history came back"
            pseudonym = {"account": {"homePage": "https://lrs.test/erased", "name": receipt["pseudonym"]}}
            erased = await _get(client, url, headers, agent=json.dumps(pseudonym))
            assert sorted(item["id"] for item in erased["statements"]) == sorted(before)
            assert EMAIL not in json.dumps(erased) and NAME not in json.dumps(erased)
