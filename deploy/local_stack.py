"""The compose topology natively on one machine, for a machine with no container engine:
a PostgreSQL database on the local server, two `lrs serve` processes, two `lrs worker` processes and
nginx (Debian's `apt-get install nginx`) terminating TLS with a locally made CA, HSTS on, running
the shipped deploy/nginx/cohort-lrs.conf with only its ports, host name, certificate and log paths
changed.

    deploy/local-stack up [--dir var/local-stack] [--https-port 8443] [--http-port 8080]
    deploy/local-stack status
    deploy/local-stack down [--purge]      # --purge also drops the database and the state directory

Everything the stack writes stays in --dir: the CA and server certificate (tls/), the environment
the processes got (lrs.env, mode 0600, it holds the secret key), one credential (credential.json,
0600), process ids (run/) and logs (logs/). Nothing is installed system-wide.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
from local_nginx import SHIPPED_NGINX, local_nginx_site, nginx_main
from local_tls import make_certificates  # (this directory is sys.path[0] when run as a script)

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get("LRS_LOCAL_STACK_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Stack:
    state: Path
    https_port: int
    http_port: int
    server_ports: tuple[int, int]
    database: str
    admin_dsn: str

    @property
    def public_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def database_url(self) -> str:
        base = self.admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return f"{base}/{self.database}"

    def path(self, *parts: str) -> Path:
        return self.state.joinpath(*parts)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(path).exists()), None
    )


def lrs_environment(stack: Stack) -> dict[str, str]:
    key_file = stack.path("secret_key")
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return {
        "LRS_DATABASE_URL": stack.database_url,
        "LRS_PUBLIC_URL": stack.public_url,
        "LRS_SECRET_KEY": key_file.read_text().strip(),
        "LRS_WORKER_IN_PROCESS": "false",
        "LRS_TRUSTED_PROXIES": "127.0.0.1",
        "LRS_LOG_FORMAT": "json",
        "LRS_LOG_LEVEL": "INFO",
    }


async def create_database(stack: Stack) -> None:
    admin = await asyncpg.connect(stack.admin_dsn, timeout=5)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", stack.database)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{stack.database}"')
    finally:
        await admin.close()


async def drop_database(stack: Stack) -> None:
    admin = await asyncpg.connect(stack.admin_dsn, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{stack.database}" WITH (FORCE)')
    finally:
        await admin.close()


def run_lrs(stack: Stack, name: str, *args: str) -> int:
    """Start `lrs ARGS` in the background, logging to logs/NAME.log; its pid goes to run/NAME.pid."""
    env = {**os.environ, **json.loads(stack.path("lrs.env.json").read_text())}
    with stack.path("logs", f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "lrs", *args],
            cwd=stack.state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack.path("run", f"{name}.pid").write_text(str(process.pid))
    return process.pid


def wait_for(url: str, context: ssl.SSLContext | None = None, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer 200 within {seconds:g} s (see the logs in the state dir)")
        time.sleep(0.3)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(stack: Stack) -> dict[str, int]:
    found = {}
    for pid_file in sorted(stack.path("run").glob("*.pid")) if stack.path("run").exists() else []:
        text = pid_file.read_text().strip()
        if text.isdigit() and pid_alive(int(text)):
            found[pid_file.stem] = int(text)
    return found


def _nginx(stack: Stack, *args: str) -> None:
    binary = nginx_binary()
    assert binary is not None
    command = [binary, "-p", str(stack.path("nginx")), "-e", str(stack.path("logs", "nginx-error.log"))]
    subprocess.run([*command, "-c", str(stack.path("nginx", "nginx.conf")), *args], check=True)


def write_configuration(stack: Stack) -> None:
    for part in ("run", "logs", "nginx", "tls"):
        stack.path(part).mkdir(parents=True, exist_ok=True)
    stack.state.chmod(0o700)
    make_certificates(stack.path("tls"))
    environment = lrs_environment(stack)
    for name, text in (
        ("lrs.env", "".join(f"{key}={value}\n" for key, value in environment.items())),
        ("lrs.env.json", json.dumps(environment)),
    ):
        stack.path(name).write_text(text)
        stack.path(name).chmod(0o600)
    stack.path("nginx", "cohort-lrs.conf").write_text(local_nginx_site(stack, SHIPPED_NGINX.read_text()))
    stack.path("nginx", "nginx.conf").write_text(nginx_main(stack))


def up(stack: Stack) -> int:
    if nginx_binary() is None:
        print("local-stack: nginx is not installed (Debian: apt-get install nginx)", file=sys.stderr)
        return 2
    if running(stack):
        print(f"local-stack: already running: {', '.join(running(stack))} (down first)", file=sys.stderr)
        return 1
    write_configuration(stack)
    asyncio.run(create_database(stack))
    for port in stack.server_ports:  # each server migrates first; on PostgreSQL they take turns
        run_lrs(stack, f"serve-{port}", "serve", "--host", "127.0.0.1", "--port", str(port))
    for port in stack.server_ports:
        wait_for(f"http://127.0.0.1:{port}/healthz")
    for number in (1, 2):
        run_lrs(stack, f"worker-{number}", "worker")
    _nginx(stack, "-t", "-q")
    _nginx(stack)
    context = ssl.create_default_context(cafile=str(stack.path("tls", "ca.pem")))
    wait_for(f"https://127.0.0.1:{stack.https_port}/readyz", context)
    _ensure_credential(stack)
    print(f"local-stack up: {stack.public_url} (CA: {stack.path('tls', 'ca.pem')})")
    print(f"  credential: {stack.path('credential.json')}; logs: {stack.path('logs')}")
    return 0


def _ensure_credential(stack: Stack) -> None:
    target = stack.path("credential.json")
    if target.exists():
        return
    env = {**os.environ, **json.loads(stack.path("lrs.env.json").read_text())}
    made = subprocess.run(
        [sys.executable, "-m", "lrs", "credentials", "create", "--name", "local-stack", "--json"],
        cwd=stack.state,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    target.write_text(made.stdout)
    target.chmod(0o600)


def down(stack: Stack, *, purge: bool) -> int:
    live = running(stack)
    if "nginx" in live:
        _nginx(stack, "-s", "quit")
    for name, pid in live.items():
        if name != "nginx":
            os.killpg(pid, signal.SIGTERM)  # each was started in a session (and group) of its own
    deadline = time.monotonic() + 30
    while any(pid_alive(pid) for pid in live.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for name, pid in live.items():
        if pid_alive(pid):
            print(f"local-stack: {name} ({pid}) ignored SIGTERM for 30 s: SIGKILL", file=sys.stderr)
            os.kill(pid, signal.SIGKILL)
    for pid_file in stack.path("run").glob("*.pid") if stack.path("run").exists() else []:
        pid_file.unlink()
    if purge:
        asyncio.run(drop_database(stack))
        shutil.rmtree(stack.state, ignore_errors=True)
    print(f"local-stack down: stopped {', '.join(live) or 'nothing'}{' and purged' if purge else ''}")
    return 0


def status(stack: Stack) -> int:
    live = running(stack)
    expected = [*(f"serve-{port}" for port in stack.server_ports), "worker-1", "worker-2", "nginx"]
    for name in expected:
        print(f"{name:14} {'running, pid ' + str(live[name]) if name in live else 'stopped'}")
    return 0 if all(name in live for name in expected) else 3


def parse_arguments(argv: list[str]) -> tuple[str, Stack, bool]:
    parser = argparse.ArgumentParser(prog="deploy/local-stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--dir", default=str(ROOT / "var" / "local-stack"), help="state directory")
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8080, help="redirects to HTTPS")
    parser.add_argument("--server-ports", default="18081,18082", help="the two `lrs serve` ports")
    parser.add_argument("--database", default="cohort_lrs_local", help="PostgreSQL database name")
    parser.add_argument("--postgres", default=ADMIN_DSN, help="an admin DSN of the PostgreSQL server")
    parser.add_argument("--purge", action="store_true", help="down: drop the database and the state dir")
    args = parser.parse_args(argv)
    first, second = (int(port) for port in args.server_ports.split(","))
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database: lower-case letters, digits and _ only")
    state = Path(args.dir).resolve()
    stack = Stack(state, args.https_port, args.http_port, (first, second), args.database, args.postgres)
    saved = state / "stack.json"
    if args.action == "up":
        state.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({**asdict(stack), "state": str(state)}))
        saved.chmod(0o600)
    elif saved.exists():  # status and down act on the stack `up` made, whatever options they get
        recorded = json.loads(saved.read_text())
        stack = Stack(**{**recorded, "state": state, "server_ports": tuple(recorded["server_ports"])})
    return args.action, stack, args.purge


def main(argv: list[str] | None = None) -> int:
    action, stack, purge = parse_arguments(sys.argv[1:] if argv is None else argv)
    if action == "up":
        return up(stack)
    if action == "down":
        return down(stack, purge=purge)
    return status(stack)


if __name__ == "__main__":
    sys.exit(main())
