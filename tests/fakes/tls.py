"""A throwaway certificate authority for the local fake servers (SMTP, Notify, Microsoft 365)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    """The CA certificate as a PEM file, for settings that take a path."""
    path = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(autouse=True)
def no_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """`requests` (msal, the Notify client) lets these override an explicit `verify=`; tests must not
    depend on the machine they run on."""
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
