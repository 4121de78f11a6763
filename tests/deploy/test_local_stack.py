"""`deploy/local-stack up` brings the compose topology up natively (PostgreSQL, two `lrs serve`,
two `lrs worker`, nginx with TLS and HSTS), run exactly as the README says, and is checked from
outside: HTTPS through nginx with the stack's CA, plain HTTP redirected, HSTS on every answer,
nginx's X-Forwarded-Proto believed (a client's own is overwritten), a statement posted and read back
through nginx, both servers taking traffic, then `down --purge` stops every process.

Skips with its reason when nginx is not installed (Debian: `apt-get install nginx`), unless
LRS_REQUIRE_NGINX=1 (CI) makes that a failure; needs the PostgreSQL server like the other PG tests."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bench.lrs_process import free_port
from tests.databases import POSTGRES_ADMIN_DSN, postgres_available, skip_or_fail
from tests.lrs_server import basic_auth

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
from local_stack import nginx_binary  # noqa: E402


@dataclass(frozen=True)
class UpStack:
    state: Path
    https: str
    http: str
    ssl: ssl.SSLContext
    credential: dict[str, str]

    def headers(self, **extra: str) -> dict[str, str]:
        auth = basic_auth(self.credential["key"], self.credential["secret"])
        return {**auth, "X-Experience-API-Version": "1.0.3", **extra}


def local_stack(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "deploy" / "local-stack"), *args],
        env={**os.environ, "PYTHON": sys.executable, "LRS_LOCAL_STACK_POSTGRES": POSTGRES_ADMIN_DSN},
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpStack]:
    if nginx_binary() is None:
        skip_or_fail("nginx is not installed (Debian: apt-get install nginx)", "LRS_REQUIRE_NGINX")
    reason = asyncio.run(postgres_available())
    if reason:
        skip_or_fail(reason, "LRS_REQUIRE_POSTGRES")
    state = tmp_path_factory.mktemp("stack") / "state"
    https, http = free_port(), free_port()
    ports = f"{free_port()},{free_port()}"
    options = ["--dir", str(state), "--https-port", str(https), "--http-port", str(http)]
    options += ["--server-ports", ports, "--database", f"lrs_stack_{uuid.uuid4().hex[:10]}"]
    started = local_stack("up", *options)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        context = ssl.create_default_context(cafile=str(state / "tls" / "ca.pem"))
        credential = json.loads((state / "credential.json").read_text())
        yield UpStack(state, f"https://localhost:{https}", f"http://127.0.0.1:{http}", context, credential)
    finally:
        stopped = local_stack("down", "--purge", "--dir", str(state))
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped nginx, serve-" in stopped.stdout and not state.exists()


def statement() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:ada@north.gov.uk", "objectType": "Agent"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://lrs.test/activities/welcome"},
    }


def test_every_process_runs(stack: UpStack) -> None:
    status = local_stack("status", "--dir", str(stack.state))
    assert status.returncode == 0, status.stdout
    assert [line.split()[0] for line in status.stdout.splitlines()][-3:] == ["worker-1", "worker-2", "nginx"]
    assert status.stdout.count("running, pid") == 5


async def test_https_through_nginx_with_hsts_and_plain_http_redirected(stack: UpStack) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=stack.ssl)) as client:
        for path in ("/healthz", "/readyz", "/xapi/about"):
            async with client.get(stack.https + path) as response:
                assert response.status == 200, path
                hsts = response.headers["Strict-Transport-Security"]
                assert (
                    "includeSubDomains" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
                )
                assert response.headers["Server"].startswith("nginx")
        async with client.get(stack.http + "/xapi/about?x=1", allow_redirects=False) as plain:
            assert plain.status == 301
            assert (
                plain.headers["Location"] == f"{stack.https.replace('localhost', '127.0.0.1')}/xapi/about?x=1"
            )
    async with aiohttp.ClientSession() as untrusting:  # the stack's CA is needed: TLS is really verified
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await untrusting.get(stack.https + "/healthz")


async def test_nginx_says_https_and_a_client_cannot_say_otherwise(stack: UpStack) -> None:
    spoofed = {"X-Forwarded-Proto": "http"}
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=stack.ssl)) as client,
        client.get(stack.https + "/sign-in", headers=spoofed) as response,
    ):
        assert response.status == 200
        assert response.cookies["lrs_signin_nonce"]["secure"]  # nginx replaced the client's header
    server_port = json.loads((stack.state / "stack.json").read_text())["server_ports"][0]
    async with (
        aiohttp.ClientSession() as direct,
        direct.get(f"http://127.0.0.1:{server_port}/sign-in") as plain,
    ):
        assert plain.status == 200 and not plain.cookies["lrs_signin_nonce"]["secure"]


async def test_a_statement_is_posted_and_read_back_through_nginx_by_both_servers(stack: UpStack) -> None:
    made = [statement() for _ in range(24)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=stack.ssl, limit=8)) as client:

        async def post(item: dict[str, Any]) -> int:
            async with client.post(
                stack.https + "/xapi/statements", json=item, headers=stack.headers()
            ) as reply:
                assert reply.headers["Strict-Transport-Security"]
                assert await reply.json() == [item["id"]]
                return reply.status

        assert set(await asyncio.gather(*(post(item) for item in made))) == {200}
        for item in made:
            params = {"statementId": item["id"]}
            async with client.get(
                stack.https + "/xapi/statements", params=params, headers=stack.headers()
            ) as got:
                assert got.status == 200
                body = await got.json()
                assert (body["id"], body["verb"]["id"], body["actor"]["mbox"]) == (
                    item["id"],
                    item["verb"]["id"],
                    item["actor"]["mbox"],
                )
    logs = {path.name: path.read_text() for path in (stack.state / "logs").glob("serve-*.log")}
    assert len(logs) == 2 and all("POST /xapi/statements 200" in text for text in logs.values()), logs.keys()
    access = (stack.state / "logs" / "nginx-access.log").read_text()
    assert '"POST /xapi/statements" 200' in access and "statementId" not in access  # no query strings
