"""The Workflows URL is a secret: never in reprs, results, errors or logs."""

from __future__ import annotations

import logging

import pytest

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.teams_channel.connector import create_connector
from connectors.teams_channel.settings import TeamsChannelSettings
from tests.fakes.microsoft import FakeMicrosoft


def _config(fake: FakeMicrosoft, url: str) -> dict[str, object]:
    return {
        "webhook_url": url,
        "ca_bundle": str(fake.ca_path),
        "max_attempts": 2,
        "backoff_base_seconds": 0.01,
    }


async def test_card_payload_and_url_never_leaks(
    fake_microsoft: FakeMicrosoft, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = fake_microsoft.workflows.add(fake_microsoft.base_url)
    sig = url.rsplit("sig=", 1)[1]
    fake_microsoft.faults.add(r"^/workflows/", 503, remaining=2)
    message = RenderedMessage(
        "p1", Recipient("cohort@channel"), "Week 1", "All done.", deep_link="https://x.example/r"
    )
    connector = create_connector(_config(fake_microsoft, url))
    try:
        throttled = await connector.send(message)
        posted = await connector.send(message)
    finally:
        await connector.close()
    bad = create_connector(_config(fake_microsoft, url.replace(sig, "wrong")))
    try:
        refused = await bad.send(message)
    finally:
        await bad.close()

    assert throttled.status is DeliveryStatus.RETRY and throttled.retry_after is not None
    assert posted.status is DeliveryStatus.DELIVERED
    (request,) = fake_microsoft.ok(r"^/workflows/")
    assert request.body["type"] == "message"
    attachment = request.body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    assert refused.status is DeliveryStatus.PERMANENT_FAILURE and "401" in refused.detail
    for text in (throttled.detail, refused.detail, repr(connector), repr(connector.settings), caplog.text):
        assert sig not in text and "/workflows/" not in text


def test_settings_require_an_https_url_and_never_echo_it() -> None:
    with pytest.raises(ValueError, match="webhook_url: is required"):
        TeamsChannelSettings.from_mapping({})
    with pytest.raises(ValueError, match="must be an https:// URL") as raised:
        TeamsChannelSettings.from_mapping({"webhook_url": "http://secret-host/path?sig=abc"})
    assert "abc" not in str(raised.value)
    settings = TeamsChannelSettings.from_mapping(
        {"webhook_url_env": "HOOK"}, environ={"HOOK": "https://h/p?sig=zz"}
    )
    assert settings.webhook_url.reveal().endswith("zz") and "zz" not in repr(settings)
