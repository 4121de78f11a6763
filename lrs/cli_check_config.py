"""`lrs check-config`: validate a deployment before it starts.

Checks public_url, the hash key (secret_key, or a key file that matches the database), the
database (reachable, schema at this release's head), the connectors' settings (built, not
contacted: `lrs connectors check` connects), and TLS behind the proxy (an https public_url served
on plain HTTP needs its proxy listed in trusted_proxies). One line per check; exit 1 on a problem.
"""

from __future__ import annotations

import argparse
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lrs.settings import Settings
from lrs.storage.engine import Database, open_database
from lrs.storage.hash_key import HashKeyError, load_hash_key
from lrs.storage.readiness import database_reachable, migrations_current

COMMAND = "check-config"
MIN_SECRET_KEY_CHARS = 32


@dataclass(frozen=True)
class Finding:
    ok: bool
    check: str
    message: str


def add_check_config_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands.add_parser(COMMAND, help="validate the settings, database, key and connectors before a start")


async def run_check_config(settings: Settings, _args: argparse.Namespace) -> int:
    findings = [
        public_url_finding(settings),
        secret_key_finding(settings),
        tls_finding(settings),
        *connector_findings(settings),
        *await database_findings(settings),
    ]
    for finding in findings:
        print(f"{'ok' if finding.ok else 'PROBLEM':8} {finding.check:12} {finding.message}")
    problems = sum(not finding.ok for finding in findings)
    print(f"{problems} problem(s)" if problems else "configuration ok")
    return 1 if problems else 0


def public_url_finding(settings: Settings) -> Finding:
    if not settings.public_url:
        return Finding(False, "public_url", "not set: links and minted IRIs would use " + settings.base_url)
    parts = urlsplit(settings.public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding(False, "public_url", f"{settings.public_url!r} is not an http(s) URL")
    if parts.scheme != "https" and not _is_local(parts.hostname):
        return Finding(False, "public_url", "must be https:// for a host other than this machine")
    return Finding(True, "public_url", settings.public_url)


def secret_key_finding(settings: Settings) -> Finding:
    if settings.secret_key and len(settings.secret_key) < MIN_SECRET_KEY_CHARS:
        return Finding(False, "secret_key", f"shorter than {MIN_SECRET_KEY_CHARS} characters")
    if settings.secret_key:
        return Finding(True, "secret_key", "set")
    return Finding(
        True, "secret_key", f"not set: the key file {settings.hash_key_file} is used (checked below)"
    )


def tls_finding(settings: Settings) -> Finding:
    if urlsplit(settings.public_url).scheme != "https":
        return Finding(True, "tls", "no https public_url: nothing to check")
    if not settings.trusted_proxies:
        return Finding(
            False, "tls", "https public_url but no trusted_proxies: cookies cannot tell TLS behind the proxy"
        )
    return Finding(True, "tls", f"TLS ends at the proxy ({', '.join(settings.trusted_proxies)})")


def connector_findings(settings: Settings) -> list[Finding]:
    from connectors.registry import configured_channels, create

    try:
        channels = configured_channels(settings.connectors)
    except ValueError as err:
        return [Finding(False, "connectors", str(err))]
    findings = []
    for channel in channels:
        try:
            create(channel, settings.connectors[channel])
            findings.append(Finding(True, "connectors", f"{channel}: settings valid"))
        except Exception as err:  # a check reports every failure rather than crash
            findings.append(Finding(False, "connectors", f"{channel}: {err}"))
    return findings or [Finding(True, "connectors", "none configured")]


async def database_findings(settings: Settings) -> list[Finding]:
    database = open_database(settings.database_url)
    where = database.writer.url.render_as_string(hide_password=True)
    try:
        if not await database_reachable(database):
            return [Finding(False, "database", f"{where} is not reachable")]
        findings = [Finding(True, "database", f"{where} reachable")]
        current = await migrations_current(database)
        findings.append(Finding(current, "migrations", "at head" if current else "behind: run lrs migrate"))
        if current and not settings.secret_key:
            findings.append(await _key_file_finding(settings, database))
        return findings
    finally:
        await database.dispose()


async def _key_file_finding(settings: Settings, database: Database) -> Finding:
    """Loads the key as a start would (creating the file, or moving an older stored key, if needed)."""
    try:
        async with database.write_session() as session, session.begin():
            await load_hash_key(session, "", Path(settings.hash_key_file))
    except HashKeyError as err:
        return Finding(False, "hash key", str(err))
    return Finding(True, "hash key", f"{settings.hash_key_file} matches the database")


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
