"""msal-based token acquisition against the fake identity endpoints (secret and certificate)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from connectors.graph.auth import TokenProvider, TokenRequest
from connectors.graph.errors import AuthenticationError
from connectors.graph.secret import Secret
from connectors.graph.settings import ClientCredential, GraphSettings
from tests.fakes.microsoft import TENANT, FakeMicrosoft

MakeProvider = Callable[..., TokenProvider]


@pytest_asyncio.fixture
async def make_provider(fake_microsoft: FakeMicrosoft) -> AsyncIterator[MakeProvider]:
    made: list[TokenProvider] = []

    def make(client_id: str, credential: ClientCredential) -> TokenProvider:
        request = TokenRequest(
            authority=f"{fake_microsoft.base_url}/{TENANT}",
            client_id=client_id,
            credential=credential,
            scope=f"{fake_microsoft.base_url}/.default",
            ca_bundle=str(fake_microsoft.ca_path),
        )
        made.append(TokenProvider(request))
        return made[-1]

    yield make
    for provider in made:
        await provider.close()


async def test_secret_credential_gets_a_token_the_fake_accepts(
    fake_microsoft: FakeMicrosoft, make_provider: MakeProvider
) -> None:
    settings = GraphSettings.from_mapping(fake_microsoft.graph_config())
    provider = make_provider(settings.client_id, settings.credential)
    token = await provider.token()
    assert fake_microsoft.identity.tokens[token].client_id == fake_microsoft.client_id
    assert await provider.token() == token  # cached, no second round trip
    assert fake_microsoft.identity.issued == 1


@pytest.mark.parametrize("with_thumbprint", [True, False], ids=["sha1-thumbprint-RS256", "certificate-PS256"])
async def test_certificate_credential_assertion_is_verified(
    fake_microsoft: FakeMicrosoft, make_provider: MakeProvider, tmp_path: Path, with_thumbprint: bool
) -> None:
    client_id, cert = fake_microsoft.add_certificate_app(tmp_path)
    credential = ClientCredential(
        certificate_path=cert.pem_path, certificate_thumbprint=cert.thumbprint if with_thumbprint else None
    )
    token = await make_provider(client_id, credential).token()
    assert fake_microsoft.identity.tokens[token].client_id == client_id


async def test_certificate_of_another_app_is_rejected(
    fake_microsoft: FakeMicrosoft, make_provider: MakeProvider, tmp_path: Path
) -> None:
    client_id, _ = fake_microsoft.add_certificate_app(tmp_path)
    _, other = fake_microsoft.add_certificate_app(tmp_path)
    credential = ClientCredential(certificate_path=other.pem_path, certificate_thumbprint=other.thumbprint)
    with pytest.raises(AuthenticationError, match="invalid_client"):
        await make_provider(client_id, credential).token()


async def test_wrong_secret_is_a_permanent_authentication_error(
    fake_microsoft: FakeMicrosoft, make_provider: MakeProvider
) -> None:
    credential = ClientCredential(secret=Secret("not-the-secret"))
    with pytest.raises(AuthenticationError, match="invalid_client"):
        await make_provider(fake_microsoft.client_id, credential).token()


async def test_token_is_refreshed_before_it_expires(
    fake_microsoft: FakeMicrosoft, make_provider: MakeProvider
) -> None:
    fake_microsoft.identity.token_lifetime = 302  # msal and the provider refresh inside the last 300 s
    provider = make_provider(fake_microsoft.client_id, ClientCredential(Secret(fake_microsoft.client_secret)))
    first = await provider.token()
    assert await provider.token() == first
    await asyncio.sleep(2.2)
    second = await provider.token()
    assert second != first
    assert fake_microsoft.identity.issued == 2


async def test_slow_token_endpoint_does_not_block_the_event_loop(
    fake_microsoft: FakeMicrosoft, make_provider: MakeProvider
) -> None:
    fake_microsoft.faults.add(r"/oauth2/v2\.0/token$", status=None, delay=0.6, remaining=1)
    provider = make_provider(fake_microsoft.client_id, ClientCredential(Secret(fake_microsoft.client_secret)))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    await provider.token()
    task.cancel()
    assert time.monotonic() - started >= 0.6
    assert ticks >= 8  # the loop kept running while msal waited on the slow endpoint
