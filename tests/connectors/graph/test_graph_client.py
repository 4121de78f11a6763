"""GraphClient against the fake: Retry-After, backoff, permanent errors, 401 refresh, rate limit, users."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connectors.graph.client import GraphClient
from connectors.graph.errors import PermanentError, TransientError, UnknownUserError
from connectors.graph.settings import GraphSettings
from connectors.graph.users import UserDirectory
from tests.fakes.microsoft import FakeMicrosoft


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest_asyncio.fixture
async def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest_asyncio.fixture
async def graph(fake_microsoft: FakeMicrosoft, sleeps: RecordingSleep) -> AsyncIterator[GraphClient]:
    client = GraphClient(
        GraphSettings.from_mapping(fake_microsoft.graph_config(max_attempts=4)), sleep=sleeps
    )
    yield client
    await client.close()


async def test_retry_after_is_honoured_then_success(
    fake_microsoft: FakeMicrosoft, graph: GraphClient, sleeps: RecordingSleep
) -> None:
    fake_microsoft.add_user("ada@council.gov.uk")
    fake_microsoft.faults.add(r"/users/", 429, remaining=2, retry_after=0.7)
    body = await graph.get_json("/users/ada@council.gov.uk")
    assert body["mail"] == "ada@council.gov.uk"
    assert sleeps.delays == [0.7, 0.7]


async def test_backoff_with_jitter_then_retry_result(
    fake_microsoft: FakeMicrosoft, graph: GraphClient, sleeps: RecordingSleep
) -> None:
    fake_microsoft.faults.add(r"/users", 503)
    with pytest.raises(TransientError) as raised:
        await graph.get_json("/users")
    assert len(sleeps.delays) == 3  # four attempts
    assert all(0 <= d <= cap for d, cap in zip(sleeps.delays, [0.01, 0.02, 0.04], strict=True))
    assert raised.value.retry_after is not None and "HTTP 503" in str(raised.value)


async def test_long_retry_after_is_handed_back_not_slept(
    fake_microsoft: FakeMicrosoft, sleeps: RecordingSleep
) -> None:
    fake_microsoft.faults.add(r"/users", 429, retry_after=600)
    client = GraphClient(GraphSettings.from_mapping(fake_microsoft.graph_config()), sleep=sleeps)
    try:
        with pytest.raises(TransientError) as raised:
            await client.get_json("/users")
    finally:
        await client.close()
    assert sleeps.delays == [] and raised.value.retry_after == 600


async def test_client_errors_are_permanent(fake_microsoft: FakeMicrosoft, graph: GraphClient) -> None:
    with pytest.raises(PermanentError) as raised:
        await graph.request("POST", "/teamwork/sendActivityNotificationToRecipients", json={"topic": {}})
    assert raised.value.status == 400


async def test_revoked_token_is_replaced_once(fake_microsoft: FakeMicrosoft, graph: GraphClient) -> None:
    await graph.get_json("/users")
    fake_microsoft.identity.revoke_all()
    await graph.get_json("/users")
    assert fake_microsoft.identity.issued == 2
    assert [r.status for r in fake_microsoft.received if r.path == "/v1.0/users"] == [200, 401, 200]


async def test_rate_limit_spaces_requests(fake_microsoft: FakeMicrosoft) -> None:
    client = GraphClient(
        GraphSettings.from_mapping(fake_microsoft.graph_config(requests_per_second=20.0, burst=1))
    )
    try:
        await client.tokens.token()
        started = time.monotonic()
        for _ in range(6):
            await client.get_json("/users")
        elapsed = time.monotonic() - started
    finally:
        await client.close()
    assert elapsed >= 0.24  # 5 waits of 1/20 s after the first token


async def test_user_lookup_by_upn_mail_and_cache(fake_microsoft: FakeMicrosoft, graph: GraphClient) -> None:
    by_upn = fake_microsoft.add_user("ada@council.gov.uk")
    by_mail = fake_microsoft.add_user("bob@council.gov.uk", upn="b.jones@council.onmicrosoft.com")
    users = UserDirectory(graph)
    assert await users.user_id("ADA@council.gov.uk") == by_upn
    assert await users.user_id("bob@council.gov.uk") == by_mail
    before = len(fake_microsoft.received)
    assert await users.user_id("ada@council.gov.uk") == by_upn
    assert len(fake_microsoft.received) == before  # cached
    with pytest.raises(UnknownUserError, match=r"no Entra user for zed@council\.gov\.uk"):
        await users.user_id("zed@council.gov.uk")
    many = await users.user_ids(["ada@council.gov.uk", "new@council.gov.uk", "zed@council.gov.uk"])
    assert many["ada@council.gov.uk"] == by_upn and isinstance(many["zed@council.gov.uk"], UnknownUserError)


def test_settings_name_bad_keys() -> None:
    with pytest.raises(ValueError, match=r"\[graph\] client_id: is required"):
        GraphSettings.from_mapping({"tenant_id": "t"})
    with pytest.raises(ValueError, match="set exactly one of client_secret"):
        GraphSettings.from_mapping({"tenant_id": "t", "client_id": "c"})
    with pytest.raises(ValueError, match="requests_per_second: must be a number"):
        GraphSettings.from_mapping(
            {"tenant_id": "t", "client_id": "c", "client_secret": "s", "requests_per_second": "x"}
        )
    with pytest.raises(ValueError, match="GRAPH_SECRET is empty or unset"):
        GraphSettings.from_mapping(
            {"tenant_id": "t", "client_id": "c", "client_secret_env": "GRAPH_SECRET"}, environ={}
        )
