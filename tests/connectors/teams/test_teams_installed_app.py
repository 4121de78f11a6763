"""Graph accepts activity notifications for learners without the Teams app and drops them: the
connector must know who has the app before it calls a nudge delivered."""

from __future__ import annotations

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.teams.connector import create_connector
from connectors.teams.installed import InstalledApps
from tests.fakes.microsoft import FakeMicrosoft

LINK = "https://teams.microsoft.com/l/entity/app-123/cohort"


def _nudge(key: str, email: str) -> RenderedMessage:
    return RenderedMessage(
        key, Recipient(email), "Module 3 is open", "Your next module is ready.", deep_link=LINK
    )


def _installed_lookups(fake: FakeMicrosoft) -> int:
    return len([r for r in fake.received if r.path.endswith("/teamwork/installedApps")])


async def test_bulk_recipients_without_the_app_fail_permanently_instead_of_being_dropped(
    fake_microsoft: FakeMicrosoft,
) -> None:
    emails = ["ada@council.gov.uk", "bob@council.gov.uk", "cy@council.gov.uk"]
    ids = [fake_microsoft.add_user(email) for email in emails]
    fake_microsoft.teamwork.without_app.add(ids[2])
    connector = create_connector(fake_microsoft.graph_config(teams_app_id="app-123"))
    now = [1000.0]
    assert connector.installed_apps is not None
    connector.installed_apps = InstalledApps(connector.graph, "app-123", 600.0, clock=lambda: now[0])
    try:
        first = await connector.send_many([_nudge(f"a{n}", e) for n, e in enumerate(emails)])
        lookups_after_first = _installed_lookups(fake_microsoft)
        second = await connector.send_many([_nudge(f"b{n}", e) for n, e in enumerate(emails)])
        lookups_cached = _installed_lookups(fake_microsoft)
        now[0] += 601.0
        await connector.send_many([_nudge(f"c{n}", e) for n, e in enumerate(emails)])
    finally:
        await connector.close()
    assert [r.status for r in first] == [DeliveryStatus.DELIVERED] * 2 + [DeliveryStatus.PERMANENT_FAILURE]
    assert first[2].detail == "Teams app not installed for cy@council.gov.uk"
    assert not first[2].address_invalid  # the address is fine: the engine falls back to email
    assert fake_microsoft.teamwork.dropped == []
    (bulk, *_) = fake_microsoft.ok(r"/sendActivityNotificationToRecipients$")
    assert [r["userId"] for r in bulk.body["recipients"]] == ids[:2]
    (lookup, *_) = [r for r in fake_microsoft.received if r.path.endswith("/teamwork/installedApps")]
    assert lookup.in_batch and lookup.query == {
        "$expand": "teamsApp",
        "$filter": "teamsApp/externalId eq 'app-123'",
    }
    assert [r.status for r in second] == [r.status for r in first]
    assert (lookups_after_first, lookups_cached, _installed_lookups(fake_microsoft)) == (3, 3, 6)


async def test_a_single_nudge_to_a_learner_without_the_app_is_not_sent(fake_microsoft: FakeMicrosoft) -> None:
    fake_microsoft.teamwork.without_app.add(fake_microsoft.add_user("cy@council.gov.uk"))
    connector = create_connector(fake_microsoft.graph_config(teams_app_id="app-123"))
    try:
        result = await connector.send(_nudge("k1", "cy@council.gov.uk"))
    finally:
        await connector.close()
    assert result.status is DeliveryStatus.PERMANENT_FAILURE
    assert result.detail == "Teams app not installed for cy@council.gov.uk"
    assert not fake_microsoft.ok(r"/sendActivityNotification$")


async def test_without_teams_app_id_identical_nudges_go_one_per_learner(
    fake_microsoft: FakeMicrosoft,
) -> None:
    emails = ["ada@council.gov.uk", "bob@council.gov.uk"]
    for email in emails:
        fake_microsoft.add_user(email)
    connector = create_connector(fake_microsoft.graph_config())
    try:
        results = await connector.send_many([_nudge(f"a{n}", e) for n, e in enumerate(emails)])
        checked = await connector.check()
    finally:
        await connector.close()
    assert {r.status for r in results} == {DeliveryStatus.DELIVERED}
    assert not fake_microsoft.ok(r"/sendActivityNotificationToRecipients$")
    assert len([r for r in fake_microsoft.ok(r"/sendActivityNotification$") if r.in_batch]) == 2
    assert "teams_app_id not set" in checked.detail
