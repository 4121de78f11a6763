"""Teams nudges: payload shapes, unknown learners, bulk and $batch sends, and the bot alternative."""

from __future__ import annotations

from collections import Counter

import pytest

from connectors.base import DeliveryStatus, MemorySuppressionList, Recipient, RenderedMessage
from connectors.teams.connector import create_connector
from connectors.teams.settings import TeamsSettings
from tests.fakes.microsoft import BOT_TENANT, FakeMicrosoft

LINK = "https://teams.microsoft.com/l/entity/app-id/cohort"


def _nudge(key: str, email: str, subject: str = "Module 3 is open") -> RenderedMessage:
    return RenderedMessage(
        key,
        Recipient(email),
        subject,
        "Your next module is ready.",
        deep_link=LINK,
        metadata={"template.module": "3"},
    )


async def test_single_nudge_payload_and_unknown_learner(fake_microsoft: FakeMicrosoft) -> None:
    user_id = fake_microsoft.add_user("ada@council.gov.uk", upn="ada.l@council.gov.uk")
    suppression = MemorySuppressionList()
    await suppression.suppress("gone@council.gov.uk", "bounced")
    connector = create_connector(fake_microsoft.graph_config(teams_app_id="app-123"), suppression=suppression)
    try:
        sent = await connector.send(_nudge("k1", "ada@council.gov.uk"))  # found by mail, not UPN
        again = await connector.send(_nudge("k1", "ada@council.gov.uk"))
        unknown = await connector.send(_nudge("k2", "nobody@council.gov.uk"))
        suppressed = await connector.send(_nudge("k3", "gone@council.gov.uk"))
    finally:
        await connector.close()
    assert sent.status is DeliveryStatus.DELIVERED and again.provider_id == sent.provider_id
    (request,) = fake_microsoft.ok(r"/sendActivityNotification$")
    assert request.path == f"/v1.0/users/{user_id}/teamwork/sendActivityNotification"
    assert request.body == {
        "topic": {"source": "text", "value": "Module 3 is open", "webUrl": LINK},
        "activityType": "cohortNudge",
        "previewText": {"content": "Your next module is ready."},
        "templateParameters": [
            {"name": "nudge", "value": "Module 3 is open"},
            {"name": "module", "value": "3"},
        ],
        "teamsAppId": "app-123",
    }
    assert unknown.status is DeliveryStatus.PERMANENT_FAILURE and unknown.address_invalid
    assert unknown.detail == "no Entra user for nobody@council.gov.uk"
    assert suppressed.status is DeliveryStatus.PERMANENT_FAILURE


async def test_bulk_identical_nudges_use_recipients_endpoint_in_chunks_of_100(
    fake_microsoft: FakeMicrosoft,
) -> None:
    emails = [f"l{n}@council.gov.uk" for n in range(250)]
    ids = {fake_microsoft.add_user(email) for email in emails}
    fake_microsoft.faults.add(r"^/v1\.0/users/[^/]+$", 429, probability=0.2, retry_after=0)  # inside $batch
    connector = create_connector(fake_microsoft.graph_config(teams_app_id="app-123"))
    try:
        results = await connector.send_many([_nudge(f"b{n}", email) for n, email in enumerate(emails)])
    finally:
        await connector.close()
    assert {r.status for r in results} == {DeliveryStatus.DELIVERED}
    bulk = fake_microsoft.ok(r"/sendActivityNotificationToRecipients$")
    assert sorted(len(r.body["recipients"]) for r in bulk) == [50, 100, 100]
    assert Counter(x["userId"] for r in bulk for x in r.body["recipients"]) == Counter({i: 1 for i in ids})
    lookups = [r for r in fake_microsoft.received if r.path == "/v1.0/$batch"]
    # 250 user and 250 installed-app look-ups, 20 a call, throttled items retried in later batches
    assert 26 <= len(lookups) < 45


async def test_distinct_nudges_go_out_twenty_per_batch(fake_microsoft: FakeMicrosoft) -> None:
    emails = [f"l{n}@council.gov.uk" for n in range(45)]
    for email in emails:
        fake_microsoft.add_user(email)
    fake_microsoft.faults.add(r"/sendActivityNotification$", 429, probability=0.3, retry_after=0)
    connector = create_connector(fake_microsoft.graph_config())
    try:
        results = await connector.send_many([_nudge(f"d{n}", e, f"Hello {n}") for n, e in enumerate(emails)])
    finally:
        await connector.close()
    assert {r.status for r in results} == {DeliveryStatus.DELIVERED}
    delivered = [r for r in fake_microsoft.ok(r"/sendActivityNotification$") if r.in_batch]
    assert len(delivered) == 45 and len({r.headers["client-request-id"] for r in delivered}) == 45


async def test_bot_sends_a_proactive_adaptive_card(fake_microsoft: FakeMicrosoft) -> None:
    user_id = fake_microsoft.add_user("ada@council.gov.uk")
    config = fake_microsoft.graph_config(
        delivery="bot",
        bot_app_id=fake_microsoft.bot_app_id,
        bot_client_secret=fake_microsoft.bot_secret,
        bot_service_url=f"{fake_microsoft.base_url}/botapi/",
    )
    connector = create_connector(config)
    try:
        first = await connector.send(_nudge("bot-1", "ada@council.gov.uk"))
        second = await connector.send(_nudge("bot-2", "ada@council.gov.uk", "Module 4 is open"))
        check = await connector.check()
    finally:
        await connector.close()
    assert first.status is DeliveryStatus.DELIVERED and check.ok
    (conversation,) = fake_microsoft.bot.conversations.values()
    assert fake_microsoft.bot.conversations == {user_id: conversation}
    activities = fake_microsoft.bot.activities[conversation]
    assert [a["id"] for a in activities] == [first.provider_id, second.provider_id]
    card = activities[0]["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Module 3 is open" and card["actions"][0]["url"] == LINK
    assert len(fake_microsoft.ok(r"/v3/conversations$")) == 1  # the conversation is reused
    assert BOT_TENANT in {t.tenant for t in fake_microsoft.identity.tokens.values()}


def test_settings_errors_name_the_key() -> None:
    with pytest.raises(ValueError, match=r"\[connectors.teams\] tenant_id: is required"):
        TeamsSettings.from_mapping({"client_id": "x", "client_secret": "y"})
    with pytest.raises(ValueError, match="delivery: must be one of"):
        TeamsSettings.from_mapping(
            {"tenant_id": "t", "client_id": "x", "client_secret": "y", "delivery": "fax"}
        )
    with pytest.raises(ValueError, match="bot_app_id: is required"):
        TeamsSettings.from_mapping(
            {"tenant_id": "t", "client_id": "x", "client_secret": "y", "delivery": "bot"}
        )
    settings = TeamsSettings.from_mapping({"tenant_id": "t", "client_id": "x", "client_secret": "hunter2"})
    assert "hunter2" not in repr(settings)
