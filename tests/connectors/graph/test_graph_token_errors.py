"""Token requests as a council's IT team meets them: another Graph resource, an environment CA,
a TLS-inspecting proxy the connector does not trust, and an identity service that answers 503."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.graph.settings import GraphSettings
from connectors.teams.connector import create_connector
from tests.fakes.microsoft import TENANT, FakeMicrosoft

LINK = "https://teams.microsoft.com/l/entity/app-id/cohort"


def _nudge(email: str) -> RenderedMessage:
    return RenderedMessage(
        "k-1", Recipient(email), "Module 3 is open", "Your next module is ready.", deep_link=LINK
    )


async def _check(config: dict[str, object]) -> tuple[bool, str]:
    connector = create_connector(config)
    try:
        result = await connector.check()
    finally:
        await connector.close()
    return result.ok, result.detail


async def test_graph_scope_default_is_derived_and_can_be_set() -> None:
    base = {"tenant_id": TENANT, "client_id": "c", "client_secret": "s"}
    assert GraphSettings.from_mapping(base).scope == "https://graph.microsoft.com/.default"
    proxied = GraphSettings.from_mapping(dict(base, graph_base_url="https://graph-proxy.council.gov.uk"))
    assert proxied.scope == "https://graph-proxy.council.gov.uk/.default"
    chosen = dict(
        base,
        graph_base_url="https://graph-proxy.council.gov.uk",
        graph_scope="https://graph.microsoft.com/.default",
    )
    assert GraphSettings.from_mapping(chosen).scope == "https://graph.microsoft.com/.default"
    with pytest.raises(ValueError, match=r"\[graph\] graph_scope: app-only tokens need a /\.default scope"):
        GraphSettings.from_mapping(dict(base, graph_scope="User.Read"))


async def test_a_graph_proxy_needs_graph_scope_and_works_with_it(fake_microsoft: FakeMicrosoft) -> None:
    proxy = fake_microsoft.base_url.replace("localhost", "127.0.0.1")  # same Graph, another address
    ok, detail = await _check(fake_microsoft.graph_config(graph_base_url=proxy))
    assert not ok and "invalid_resource AADSTS500011" in detail
    scoped = fake_microsoft.graph_config(
        graph_base_url=proxy, graph_scope="https://graph.microsoft.com/.default"
    )
    assert (await _check(scoped))[0]


async def test_configured_ca_bundle_wins_over_the_environment(
    fake_microsoft: FakeMicrosoft, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other_ca))
    assert (await _check(fake_microsoft.graph_config()))[0]


async def test_an_untrusted_certificate_is_a_configuration_error_not_a_retry(
    fake_microsoft: FakeMicrosoft, tmp_path: Path
) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    fake_microsoft.add_user("ada@council.gov.uk")
    config = fake_microsoft.graph_config(ca_bundle=str(other_ca))
    ok, detail = await _check(config)
    assert not ok
    assert detail.startswith("configuration error: TLS certificate verification failed")
    assert "ca_bundle" in detail
    connector = create_connector(config)
    try:
        result = await connector.send(_nudge("ada@council.gov.uk"))
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE
    assert "TLS certificate verification failed" in result.detail


async def test_identity_503_becomes_retry_with_retry_after(fake_microsoft: FakeMicrosoft) -> None:
    fake_microsoft.add_user("ada@council.gov.uk")
    fake_microsoft.faults.add(r"/oauth2/v2\.0/token$", 503, retry_after=7, code="temporarily_unavailable")
    connector = create_connector(fake_microsoft.graph_config())
    try:
        result = await connector.send(_nudge("ada@council.gov.uk"))
        checked = await connector.check()
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.RETRY
    assert result.retry_after == 7
    assert result.detail == "token endpoint unavailable: HTTP 503"
    assert not checked.ok and "HTTP 503" in checked.detail


async def test_an_unknown_resource_is_a_permanent_failure_with_the_aadsts_code(
    fake_microsoft: FakeMicrosoft,
) -> None:
    fake_microsoft.add_user("ada@council.gov.uk")
    connector = create_connector(fake_microsoft.graph_config(graph_scope="https://graph.example/.default"))
    try:
        result = await connector.send(_nudge("ada@council.gov.uk"))
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE
    assert "invalid_resource AADSTS500011 The resource principal named https://graph.example" in result.detail
