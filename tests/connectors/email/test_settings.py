from __future__ import annotations

from typing import Any

import pytest

from connectors.email.settings import EmailSettings

MINIMAL = {"host": "smtp.example.gov.uk", "from_address": "noreply@council.example.gov.uk"}


def test_minimal_table_gets_starttls_on_587_and_domain_for_message_ids() -> None:
    settings = EmailSettings.from_mapping(MINIMAL)
    assert (settings.tls, settings.port) == ("starttls", 587)
    assert settings.message_id_domain == "council.example.gov.uk"
    assert settings.username is None and settings.attach_ics is True


@pytest.mark.parametrize(("tls", "port"), [("implicit", 465), ("none", 25)])
def test_port_defaults_follow_the_tls_mode(tls: str, port: int) -> None:
    assert EmailSettings.from_mapping({**MINIMAL, "tls": tls}).port == port


def test_every_key_is_read() -> None:
    settings = EmailSettings.from_mapping(
        {
            **MINIMAL,
            "port": 2525,
            "tls": "implicit",
            "from_name": "Programme team",
            "username": "relay-user",
            "password": "pw",
            "ca_file": "/etc/ssl/relay.pem",
            "timeout_seconds": 12,
            "local_hostname": "lrs.example.gov.uk",
            "reply_to": "team@council.example.gov.uk",
            "unsubscribe_mailto": "unsubscribe@council.example.gov.uk",
            "message_id_domain": "lrs.example.gov.uk",
            "retry_after_seconds": 90,
            "attach_ics": False,
        }
    )
    assert settings.port == 2525 and settings.timeout_seconds == 12.0
    assert settings.username == "relay-user" and settings.ca_file == "/etc/ssl/relay.pem"
    assert settings.message_id_domain == "lrs.example.gov.uk" and settings.attach_ics is False


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"from_address": "a@b.example"}, "connectors.email.host"),
        ({"host": "h"}, "connectors.email.from_address"),
        ({**MINIMAL, "from_address": "not-an-address"}, "connectors.email.from_address"),
        ({**MINIMAL, "tls": "ssl"}, "connectors.email.tls"),
        ({**MINIMAL, "port": 70000}, "connectors.email.port"),
        ({**MINIMAL, "port": "587"}, "connectors.email.port"),
        ({**MINIMAL, "username": "u"}, "connectors.email.password"),
        ({**MINIMAL, "tls": "none", "username": "u", "password": "p"}, "connectors.email.tls"),
        ({**MINIMAL, "timeout_seconds": 0}, "connectors.email.timeout_seconds"),
        ({**MINIMAL, "attach_ics": "yes"}, "connectors.email.attach_ics"),
        ({**MINIMAL, "reply_to": "nobody"}, "connectors.email.reply_to"),
        ({**MINIMAL, "hots": "typo"}, "connectors.email.hots"),
    ],
)
def test_bad_tables_name_the_bad_key(table: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=rf"^{key}:"):
        EmailSettings.from_mapping(table)


def test_error_never_echoes_the_password() -> None:
    with pytest.raises(ValueError) as info:
        EmailSettings.from_mapping({**MINIMAL, "tls": "none", "username": "u", "password": "hunter2"})
    assert "hunter2" not in str(info.value)
