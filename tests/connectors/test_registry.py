from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import trustme

from connectors import registry
from connectors.base import Connector, MemorySuppressionList, Recipient, RenderedMessage
from tests.fakes.smtp import FailurePlan, FakeSmtpServer


def test_every_channel_module_exists_and_exports_the_factory() -> None:
    for channel, module_path in registry.CHANNELS.items():
        module = importlib.import_module(module_path)
        factory = module.create_connector
        parameters = inspect.signature(factory).parameters
        assert list(parameters)[:1] == ["config"], channel
        assert parameters["suppression"].kind is inspect.Parameter.KEYWORD_ONLY, channel


def test_channel_modules_load_lazily() -> None:
    # A fresh interpreter: this one has imported every channel already.
    probe = (
        "import sys, connectors.registry as r\n"
        "assert not [m for m in r.CHANNELS.values() if m in sys.modules]\n"
        "r.factory_for('notify')\n"
        "assert 'connectors.notify.connector' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_unknown_channel() -> None:
    with pytest.raises(registry.UnknownChannelError, match="'pigeon'"):
        registry.create("pigeon", {})


def test_configured_channels_keep_file_order() -> None:
    config = {"notify": {"api_key": "k"}, "email": {"host": "h"}, "teams": {}}
    assert registry.configured_channels(config) == ["notify", "email", "teams"]
    assert registry.configured_channels({}) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"emial": {}}, r"^connectors\.emial: unknown channel"),
        ({"email": "smtp"}, r"^connectors\.email: expected"),
    ],
)
def test_configured_channels_reject_typos(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        registry.configured_channels(config)


def test_create_passes_the_table_through() -> None:
    with pytest.raises(ValueError, match=r"^connectors\.email\.host: is required"):
        registry.create("email", {"from_address": "a@b.example"})


async def test_create_passes_the_suppression_list(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    suppression = MemorySuppressionList()
    plan = FailurePlan(permanent_recipients={"gone@example.org"})
    with FakeSmtpServer(ca, ca_file, failures=plan) as server:
        connector = registry.create("email", server.settings_table(), suppression)
        assert isinstance(connector, Connector)
        try:
            await connector.send(RenderedMessage("k", Recipient("gone@example.org"), "s", "t"))
        finally:
            await connector.close()
    assert await suppression.is_suppressed("gone@example.org")
