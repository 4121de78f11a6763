"""The deployment files read as a stranger would use them (no container engine runs here, so the
Dockerfile and compose file are checked statically): the compose file parses, has the documented
services, and every command in it, in the Dockerfile and in the systemd units is one `lrs` accepts;
each environment variable is a setting; nginx sends HSTS, redirects plain HTTP and overwrites
X-Forwarded-Proto; the compose nginx configuration differs from the shipped one only where it must."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from lrs.cli import build_parser
from lrs.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent
SETTING_NAMES = {f"LRS_{spec.name.upper()}" for spec in fields(Settings)} | {"LRS_CONFIG"}
LRS_BINARY = "/srv/cohort-lrs/.venv/bin/lrs"


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def lrs_accepts(argv: list[str]) -> str:
    """The sub-command, if `lrs` parses these arguments (argparse exits on anything else)."""
    return str(build_parser().parse_args(argv).command)


def test_compose_has_the_topology_and_lrs_commands() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "lrs-1", "lrs-2", "worker-1", "worker-2", "nginx"}
    assert services["db"]["image"].startswith("postgres:")
    for name in ("lrs-1", "lrs-2"):
        assert lrs_accepts(services[name]["command"]) == "serve"
        assert services[name]["command"][-2:] == ["--port", "8080"]
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("worker-1", "worker-2"):
        assert lrs_accepts(services[name]["command"]) == "worker"
    shell, flag, script = services["migrate"]["entrypoint"]
    assert (shell, flag) == ("/bin/sh", "-c")
    steps = [shlex.split(step) for step in script.split("&&")]
    assert [step[0] for step in steps] == ["lrs", "lrs"]
    assert [lrs_accepts(step[1:]) for step in steps] == ["migrate", "check-config"]
    for name in ("migrate", "lrs-1", "lrs-2", "worker-1", "worker-2"):
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}


def test_compose_environment_is_settings_and_trusts_only_nginx() -> None:
    services = compose()["services"]
    nginx_address = services["nginx"]["networks"]["backend"]["ipv4_address"]
    for name in ("lrs-1", "lrs-2", "worker-1", "worker-2", "migrate"):
        environment = services[name]["environment"]
        assert set(environment) <= SETTING_NAMES, set(environment) - SETTING_NAMES
        assert environment["LRS_WORKER_IN_PROCESS"] == "false"  # the two workers consume the outbox
        assert environment["LRS_TRUSTED_PROXIES"] == nginx_address
        assert "@db:5432/" in environment["LRS_DATABASE_URL"]
        assert environment["LRS_SECRET_KEY"].startswith("${LRS_SECRET_KEY:?")  # required, never a default
    assert services["nginx"]["ports"] == ["${LRS_HTTP_PORT:-80}:80", "${LRS_HTTPS_PORT:-443}:443"]
    # host:container:ro, the host side possibly "${VARIABLE:-default}" (a colon of its own)
    mounts = dict(
        re.fullmatch(r"(\$\{[^}]+\}|[^:]+):([^:]+):ro", volume).groups()
        for volume in services["nginx"]["volumes"]
    )  # type: ignore[union-attr]
    assert mounts == {
        "./nginx/compose.conf": "/etc/nginx/conf.d/default.conf",
        "${LRS_TLS_DIR:-./tls}": "/etc/nginx/tls",
    }
    assert (DEPLOY / "nginx" / "compose.conf").exists()


def test_the_example_environment_names_only_settings() -> None:
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "cohort-lrs.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert names and names <= SETTING_NAMES, names - SETTING_NAMES


def dockerfile() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_runs_lrs_as_an_unprivileged_user() -> None:
    instructions = dockerfile()
    found = dict(instructions)  # the last of each kind
    assert found["FROM"] == "${PYTHON_IMAGE}"
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim-\w+", found["ARG"])  # the default base
    for source in (args.split()[0] for kind, args in instructions if kind == "COPY"):
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    assert found["USER"] not in ("root", "0")
    entrypoint, command = json.loads(found["ENTRYPOINT"]), json.loads(found["CMD"])
    assert entrypoint == ["lrs"] and lrs_accepts(command) == "serve"
    assert found["EXPOSE"] == command[command.index("--port") + 1] == "8080"
    assert "/healthz" in found["HEALTHCHECK"]
    copied = {args.split()[0] for kind, args in instructions if kind == "COPY"}
    assert {"lrs", "connectors", "notifications", "config", "pyproject.toml"} <= copied


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


def exec_lines(name: str) -> list[list[str]]:
    lines = (DEPLOY / "systemd" / name).read_text().splitlines()
    return [shlex.split(line.split("=", 1)[1]) for line in lines if line.startswith("ExecStart=")]


@pytest.mark.parametrize(
    ("name", "commands"),
    [
        ("cohort-lrs@.service", ["serve"]),
        ("cohort-lrs-worker@.service", ["worker"]),
        ("cohort-lrs-migrate.service", ["migrate", "check-config"]),
        ("cohort-lrs-attendance.service", ["attendance"]),
    ],
)
def test_systemd_units_run_lrs_commands(name: str, commands: list[str]) -> None:
    runs = exec_lines(name)
    assert [argv[0] for argv in runs] == [LRS_BINARY] * len(commands)
    assert [lrs_accepts([part.replace("%i", "8081") for part in argv[1:]]) for argv in runs] == commands
    service = unit(name)["Service"]
    assert service["EnvironmentFile"] == "/etc/cohort-lrs/cohort-lrs.env" and service["User"] == "cohort-lrs"
    if name != "cohort-lrs-migrate.service":
        assert "cohort-lrs-migrate.service" in unit(name)["Unit"]["Requires"]


def test_the_target_starts_two_servers_behind_the_shipped_nginx_upstream() -> None:
    wanted = " ".join(
        line.split("=", 1)[1]
        for line in (DEPLOY / "systemd" / "cohort-lrs.target").read_text().splitlines()
        if line.startswith("Wants=")
    ).split()
    servers = sorted(
        re.findall(r"server 127\.0\.0\.1:(\d+);", (DEPLOY / "nginx" / "cohort-lrs.conf").read_text())
    )
    assert [name for name in wanted if name.startswith("cohort-lrs@")] == [
        f"cohort-lrs@{port}.service" for port in servers
    ]
    assert len(servers) == 2 and {"cohort-lrs-worker@1.service", "cohort-lrs-worker@2.service"} <= set(wanted)


def test_systemd_analyze_finds_nothing_but_the_absent_install(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for path in (DEPLOY / "systemd").iterdir():
        (tmp_path / path.name.replace("@.", "@1.")).write_text(path.read_text())
    units = sorted(str(path) for path in tmp_path.iterdir() if not path.name.endswith(".timer"))
    result = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True)
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and f"Command {LRS_BINARY} is not executable" not in line
    ]
    assert not problems, problems


def test_nginx_sends_hsts_redirects_http_and_sets_forwarded_proto() -> None:
    shipped = (DEPLOY / "nginx" / "cohort-lrs.conf").read_text()
    assert re.search(
        r'add_header Strict-Transport-Security "max-age=(\d+); includeSubDomains" always;', shipped
    )
    assert "return 301 https://$host$request_uri;" in shipped and "listen 80;" in shipped
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in shipped  # replaces whatever a client sent
    log_format = shipped.split("log_format", 1)[1].split(";", 1)[0]
    assert "$uri" in log_format and "$request " not in log_format and "$args" not in log_format


def directives(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_compose_nginx_differs_from_the_shipped_only_in_names_and_paths() -> None:
    shipped = directives((DEPLOY / "nginx" / "cohort-lrs.conf").read_text())
    composed = directives((DEPLOY / "nginx" / "compose.conf").read_text())
    allowed = re.compile(
        r"^(server (127\.0\.0\.1:808[12]|lrs-[12]:8080);|server_name .*;|ssl_certificate(_key)? .*;)$"
    )
    assert len(shipped) == len(composed)
    differing = [(one, other) for one, other in zip(shipped, composed, strict=True) if one != other]
    assert differing and all(allowed.match(one) and allowed.match(other) for one, other in differing), (
        differing
    )
    assert "server lrs-1:8080;" in composed and "server lrs-2:8080;" in composed


def test_the_local_certificate_is_trusted_through_its_ca_for_localhost(tmp_path: Path) -> None:
    import ssl
    import sys

    sys.path.insert(0, str(DEPLOY))
    from local_tls import make_certificates

    make_certificates(tmp_path)
    assert (tmp_path / "server.key").stat().st_mode & 0o077 == 0  # the key is the owner's alone
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    client = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    assert client.verify_mode == ssl.CERT_REQUIRED and client.check_hostname
    issued = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "server.pem")],
        capture_output=True,
        text=True,
    )
    assert issued.returncode == 0 and issued.stdout.strip().endswith(": OK"), issued.stderr


def test_the_offline_override_swaps_only_the_public_images() -> None:
    """compose.offline.yaml changes nothing but where the three public images come from."""
    override = yaml.safe_load((DEPLOY / "compose.offline.yaml").read_text())["services"]
    assert set(override) <= set(compose()["services"])
    assert override["db"] == {"image": "cohort-lrs-offline/postgres:bookworm"}
    assert override["nginx"] == {"image": "cohort-lrs-offline/nginx:bookworm"}
    builds = {name: service["build"] for name, service in override.items() if "build" in service}
    assert set(builds) == {"migrate", "lrs-1", "lrs-2", "worker-1", "worker-2"}
    for build in builds.values():
        assert build == {
            "context": "..",
            "dockerfile": "deploy/Dockerfile",
            "args": {"PYTHON_IMAGE": "cohort-lrs-offline/python:bookworm"},
        }
    for name in ("python", "postgres", "nginx"):
        assert (DEPLOY / "offline" / f"{name}.Dockerfile").is_file()
