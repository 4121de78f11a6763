"""Settings: commented defaults in config/settings.toml, a site file, then LRS_* environment overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "settings.toml"


class SettingsError(ValueError):
    """A settings file or environment variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///var/cohort-lrs.db"  # relative to the working directory
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = (
        ""  # external base URL (e.g. https://lrs.example.gov.uk); derived from host/port if empty
    )
    secret_key: str = ""  # keys credential hashes; when empty, a generated key in hash_key_file is used
    hash_key_file: str = "var/cohort-lrs.key"  # relative to the working directory; mode 0600
    statement_page_limit: int = 100  # default page size for GET /xapi/statements
    statement_max_limit: int = 1000  # the server maximum for `limit`
    max_body_bytes: int = 20 * 1024 * 1024
    max_attachment_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 64
    max_json_items: int = 100_000
    cors_origins: tuple[str, ...] = ("*",)
    # Addresses of reverse proxies (nginx) whose X-Forwarded-Proto is believed and whose connections
    # are not capped per client (each carries many clients). Empty: no proxy is trusted.
    trusted_proxies: tuple[str, ...] = ()
    header_timeout_seconds: float = 30.0  # a request head must arrive within this (also the idle keep-alive)
    body_timeout_seconds: float = 60.0  # a request body must arrive within this of its head
    rate_limit_ingest_per_minute: int = 0  # xAPI writes per credential per minute (per process); 0 = off
    rate_limit_read_per_minute: int = 0  # xAPI reads per credential per minute (per process); 0 = off
    metrics_token: str = ""  # Bearer token for GET /metrics; empty: /metrics answers 404
    ready_max_outbox_pending: int = 10_000  # /readyz fails over this many unprocessed outbox events
    ready_max_outbox_age_seconds: float = 300.0  # ... or when the oldest has waited longer than this
    max_connections_per_client: int = 100  # open connections from one address; more are closed on arrival
    # X-Experience-API-Version on responses to requests that sent none (they are refused with 400).
    unversioned_response_version: str = "2.0.0"
    worker_in_process: bool = True
    worker_poll_seconds: float = 1.0
    worker_lease_seconds: float = 60.0  # how long claimed events stay a worker's before others may take them
    # Outbox rows one claim takes, and how long one group's transaction may run before it commits.
    # 0 picks the database's default (lrs.events.consumer.options_for): SQLite 500 rows and 0.2 s
    # (a group holds the single writer, so ingest waits at most that long); PostgreSQL 1000 and 2 s.
    worker_batch_size: int = 0
    worker_group_seconds: float = 0.0
    # Processed outbox rows are deleted this long after processing (by the worker, in small batches).
    outbox_keep_processed_hours: float = 168.0
    # Settled delivery attempts (one per call to a connector) are deleted this long after they
    # finished; the delivery and its idempotency key stay. 0 keeps them.
    delivery_attempts_keep_days: int = 180
    programmes_dir: str = "config/programmes"
    demo: bool = False
    log_level: str = "INFO"
    log_format: str = "text"  # "text" or "json" (one object a line); both carry the request id
    # Days after the end of a learner's last cohort before the worker erases their personal data
    # (lrs.privacy.retention); 0 keeps it until someone runs `lrs person erase`.
    personal_data_retention_days: int = 0
    connectors: Mapping[str, Any] = field(default_factory=dict)
    notifications: Mapping[str, Any] = field(default_factory=dict)
    attendance: Mapping[str, Any] = field(default_factory=dict)  # Teams thresholds, see docs/attendance.md
    staff_sign_in: Mapping[str, Any] = field(default_factory=dict)  # Entra ID sign-in, docs/dashboards.md

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"


_TUPLE_FIELDS = {"cors_origins", "trusted_proxies"}
_TABLE_FIELDS = {"connectors", "notifications", "attendance", "staff_sign_in"}


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults file, then `path` (or $LRS_CONFIG), then LRS_<FIELD> environment variables."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    if DEFAULT_CONFIG_PATH.exists():
        values.update(_read_toml(DEFAULT_CONFIG_PATH))
    site = path or env.get("LRS_CONFIG")
    if site:
        values.update(_read_toml(Path(site)))
    for spec in fields(Settings):
        raw = env.get(f"LRS_{spec.name.upper()}")
        if raw is not None and spec.name not in _TABLE_FIELDS:
            values[spec.name] = raw
    return _build(values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as err:
        raise SettingsError(f"settings file not found: {path}") from err
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"{path}: {err}") from err
    flat = dict(data.get("lrs", {}))
    for table in _TABLE_FIELDS:
        if table in data:
            flat[table] = data[table]
    return flat


def _build(values: Mapping[str, Any]) -> Settings:
    known = {spec.name: spec for spec in fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    defaults = Settings()
    converted: dict[str, Any] = {}
    for name, raw in values.items():
        converted[name] = _convert(name, raw, getattr(defaults, name))
    return replace(defaults, **converted)


def _convert(name: str, raw: Any, default: Any) -> Any:
    if name in _TABLE_FIELDS:
        if not isinstance(raw, Mapping):
            raise SettingsError(f"{name} must be a table")
        return dict(raw)
    if name in _TUPLE_FIELDS:
        items = raw.split(",") if isinstance(raw, str) else raw
        return tuple(str(item).strip() for item in items if str(item).strip())
    try:
        if isinstance(default, bool):
            return _to_bool(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except (TypeError, ValueError) as err:
        raise SettingsError(f"{name}: expected {type(default).__name__}, got {raw!r}") from err
    return str(raw)


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)
