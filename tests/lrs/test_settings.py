"""Settings: the commented defaults file, a site file, then LRS_* environment variables, each converted
to its field's type, with a clear error for what cannot be used."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta
from pathlib import Path

import pytest

from lrs.clock import utc_now
from lrs.progress.install import event_worker
from lrs.settings import DEFAULT_CONFIG_PATH, Settings, SettingsError, load_settings
from lrs.storage.engine import Database


def test_the_defaults_file_documents_every_setting_with_its_default() -> None:
    text = DEFAULT_CONFIG_PATH.read_text()
    loaded = load_settings(env={})
    tables = ("connectors", "notifications", "attendance", "staff_sign_in")
    for spec in fields(Settings):
        if spec.name not in tables:
            assert f"\n{spec.name} = " in text, f"{spec.name} is not in {DEFAULT_CONFIG_PATH.name}"
            assert getattr(loaded, spec.name) == getattr(Settings(), spec.name), spec.name


def test_environment_overrides_the_site_file_and_is_typed(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[lrs]\nport = 9000\nworker_lease_seconds = 30.0\ncors_origins = ["https://a.example"]\n')
    env = {
        "LRS_CONFIG": str(site),
        "LRS_WORKER_LEASE_SECONDS": "2.5",
        "LRS_WORKER_IN_PROCESS": "off",
        "LRS_CORS_ORIGINS": "https://b.example, https://c.example",
    }
    loaded = load_settings(env=env)
    assert loaded.port == 9000  # from the site file
    assert loaded.worker_lease_seconds == 2.5 and loaded.worker_in_process is False
    assert loaded.cors_origins == ("https://b.example", "https://c.example")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LRS_PORT": "eighty"}, "port: expected int, got 'eighty'"),
        ({"LRS_WORKER_LEASE_SECONDS": "soon"}, "worker_lease_seconds: expected float"),
        ({"LRS_WORKER_IN_PROCESS": "maybe"}, "worker_in_process: expected bool"),
    ],
)
def test_unusable_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env=env)


def test_an_unknown_setting_in_a_file_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("[lrs]\nworker_leese_seconds = 5\n")
    with pytest.raises(SettingsError, match=r"unknown setting\(s\): worker_leese_seconds"):
        load_settings(env={"LRS_CONFIG": str(site)})


async def test_the_worker_takes_its_lease_from_the_settings(database: Database) -> None:
    worker = event_worker(replace(Settings(), worker_lease_seconds=2.5), database, clock=utc_now)
    assert worker.consumer.options.lease == timedelta(seconds=2.5)
    with pytest.raises(ValueError, match="worker_lease_seconds must be positive"):
        event_worker(replace(Settings(), worker_lease_seconds=0), database, clock=utc_now)


async def test_the_worker_claims_and_groups_by_database_unless_set(database: Database) -> None:
    chosen = event_worker(Settings(), database, clock=utc_now).consumer.options
    expected = (500, 0.2) if database.is_sqlite else (1000, 2.0)
    assert (chosen.batch_size, chosen.group_seconds) == expected
    tuned = replace(Settings(), worker_batch_size=50, worker_group_seconds=0.5)
    options = event_worker(tuned, database, clock=utc_now).consumer.options
    assert (options.batch_size, options.group_seconds) == (50, 0.5)
    with pytest.raises(ValueError, match="worker_batch_size and worker_group_seconds"):
        event_worker(replace(Settings(), worker_batch_size=-1), database, clock=utc_now)


def test_worker_batch_settings_come_from_the_environment() -> None:
    loaded = load_settings(env={"LRS_WORKER_BATCH_SIZE": "200", "LRS_WORKER_GROUP_SECONDS": "0.1"})
    assert (loaded.worker_batch_size, loaded.worker_group_seconds) == (200, 0.1)
