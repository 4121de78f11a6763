"""deploy/compose.yaml for real, where a Docker engine answers: the image is built from
deploy/Dockerfile and the topology brought up (PostgreSQL, the one-shot `migrate`, two `lrs serve`,
two `lrs worker`, nginx with TLS and HSTS), then checked from outside through nginx: HTTPS verified
against the test's CA, plain HTTP redirected, HSTS on every answer, statements posted and read back,
both servers taking traffic, the workers draining the outbox. Then everything is removed.

Where the engine cannot pull public images, deploy/offline-images builds stand-ins from Debian's
packages and deploy/compose.offline.yaml uses them. Skips with the reason when no engine answers
or no compose is installed (`.ci/run` does not start an engine, so there it skips)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bench.lrs_process import free_port
from tests.lrs_server import basic_auth

pytestmark = pytest.mark.timeout(2400)  # a first build on the vfs storage driver is slow
ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PUBLIC_IMAGES = ("python:3.11-slim-bookworm", "postgres:15-bookworm", "nginx:1.27-bookworm")
sys.path.insert(0, str(DEPLOY))
from local_tls import make_certificates  # noqa: E402


def compose_command() -> list[str] | None:
    """`docker compose` (v2) if installed, else docker-compose (1.29 reads the file too)."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    found = shutil.which("docker-compose")
    return [found] if found else None


def why_not() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client on PATH"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if info.returncode != 0:
        last = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        return f"no Docker engine reachable ({last})"
    if compose_command() is None:
        return "neither the docker compose plugin nor docker-compose is installed"
    return None


def compose_files() -> list[str]:
    """The shipped file, plus the offline stand-ins when a public image cannot be had."""
    files = ["-f", str(DEPLOY / "compose.yaml")]
    for image in PUBLIC_IMAGES:
        present = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
        if present.returncode != 0 and subprocess.run(["docker", "pull", image]).returncode != 0:
            built = subprocess.run([str(DEPLOY / "offline-images")], timeout=1500)
            assert built.returncode == 0, "deploy/offline-images failed"
            return [*files, "-f", str(DEPLOY / "compose.offline.yaml")]
    return files


@dataclass(frozen=True)
class Project:
    command: list[str]
    env: dict[str, str]
    https: str
    http: str
    ssl: ssl.SSLContext

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.command, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    problem = why_not()
    if problem is not None:
        pytest.skip(problem)
    command = compose_command()
    assert command is not None
    tls = tmp_path_factory.mktemp("compose-tls")
    make_certificates(tls)
    https_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "LRS_SECRET_KEY": secrets.token_hex(32),
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "LRS_PUBLIC_URL": f"https://localhost:{https_port}",
        "LRS_HTTPS_PORT": str(https_port),
        "LRS_HTTP_PORT": str(http_port),
        "LRS_TLS_DIR": str(tls),
    }
    name = f"cohort-lrs-test-{secrets.token_hex(3)}"
    up = Project(
        [*command, *compose_files(), "-p", name],
        env,
        f"https://localhost:{https_port}",
        f"http://127.0.0.1:{http_port}",
        ssl.create_default_context(cafile=str(tls / "ca.pem")),
    )
    try:
        started = up.run("up", "-d", "--build", timeout=2000)
        if started.returncode != 0:
            states, logs = up.run("ps"), up.run("logs", "--no-color", "--tail", "30")
            raise AssertionError(f"{started.stderr[-2000:]}\n{states.stdout}\n{logs.stdout[-6000:]}")
        yield up
    finally:
        up.run("down", "-v", "--remove-orphans", timeout=300)


async def readiness(client: aiohttp.ClientSession, project: Project, seconds: float = 300) -> dict[str, Any]:
    """/readyz through nginx once it answers 200 (the servers wait for `migrate`, then start)."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            async with client.get(project.https + "/readyz") as response:
                if response.status == 200:
                    return dict(await response.json())
                last = response.status
        except aiohttp.ClientError as err:
            last = err
        await asyncio.sleep(2)
    raise AssertionError(f"/readyz never answered 200 through nginx: {last}")


def credential(project: Project) -> dict[str, str]:
    made = project.run(
        "exec", "-T", "lrs-1", "lrs", "credentials", "create", "--name", "compose-test", "--json"
    )
    assert made.returncode == 0, made.stderr
    pair = json.loads(made.stdout)
    return {**basic_auth(pair["key"], pair["secret"]), "X-Experience-API-Version": "1.0.3"}


def statement() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:ada@north.gov.uk", "objectType": "Agent"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://lrs.test/activities/welcome"},
    }


def assert_hsts(response: aiohttp.ClientResponse) -> None:
    hsts = response.headers["Strict-Transport-Security"]
    assert "includeSubDomains" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000


async def test_the_compose_topology_serves_over_tls_and_its_workers_drain_the_outbox(
    project: Project,
) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=project.ssl, limit=8)) as client:
        checks = await readiness(client, project)
        assert checks["checks"]["migrations"]["ok"] and checks["checks"]["database"]["ok"]
        async with client.get(project.https + "/healthz") as alive:
            assert alive.status == 200 and alive.headers["Server"].startswith("nginx")
            assert_hsts(alive)
        async with client.get(project.http + "/xapi/about", allow_redirects=False) as plain:
            assert plain.status == 301 and plain.headers["Location"].startswith("https://")
        headers = credential(project)
        made = [statement() for _ in range(24)]

        async def post(item: dict[str, Any]) -> None:
            async with client.post(project.https + "/xapi/statements", json=item, headers=headers) as reply:
                assert reply.status == 200, await reply.text()
                assert_hsts(reply)

        await asyncio.gather(*(post(item) for item in made))
        for item in made:
            params = {"statementId": item["id"]}
            async with client.get(project.https + "/xapi/statements", params=params, headers=headers) as got:
                assert got.status == 200 and (await got.json())["id"] == item["id"]
        deadline = time.monotonic() + 120
        while (pending := (await readiness(client, project))["checks"]["outbox"]["pending"]) > 0:
            assert time.monotonic() < deadline, f"the workers left {pending} outbox events"
            await asyncio.sleep(1)
    for server in ("lrs-1", "lrs-2"):
        logs = project.run("logs", "--no-color", server)
        assert "POST /xapi/statements 200" in logs.stdout + logs.stderr, f"{server} took no statement"
    states = project.run("ps")
    assert states.returncode == 0
    for service in ("db", "lrs-1", "lrs-2", "worker-1", "worker-2", "nginx"):
        assert any(service in line and "Up" in line for line in states.stdout.splitlines()), states.stdout
