from __future__ import annotations

from typing import Any

import pytest

from connectors.notify.settings import NotifySettings
from tests.fakes.notify import API_KEY, SECRET, SERVICE_ID, TEMPLATE_ID

MINIMAL = {"api_key": API_KEY, "template_id": TEMPLATE_ID}


def test_minimal_table_talks_to_the_real_notify() -> None:
    settings = NotifySettings.from_mapping(MINIMAL)
    assert settings.base_url == "https://api.notifications.service.gov.uk"
    assert settings.service_id == SERVICE_ID
    assert settings.max_concurrency == 4 and settings.callback_bearer_token is None


def test_secrets_stay_out_of_repr() -> None:
    settings = NotifySettings.from_mapping({**MINIMAL, "callback_bearer_token": "callback-token-123"})
    assert SECRET not in repr(settings) and "callback-token-123" not in repr(settings)


def test_every_key_is_read() -> None:
    settings = NotifySettings.from_mapping(
        {
            **MINIMAL,
            "base_url": "https://notify.internal.example/",
            "ca_file": "/etc/ssl/proxy.pem",
            "timeout_seconds": 7,
            "email_reply_to_id": "b3f7c5d2-1111-2222-3333-444455556666",
            "callback_bearer_token": "callback-token-123",
            "retry_after_seconds": 15,
            "max_concurrency": 8,
        }
    )
    assert settings.base_url == "https://notify.internal.example"
    assert settings.timeout_seconds == 7.0 and settings.retry_after_seconds == 15.0
    assert settings.max_concurrency == 8 and settings.ca_file == "/etc/ssl/proxy.pem"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"template_id": TEMPLATE_ID}, "api_key"),
        ({**MINIMAL, "api_key": "not-a-key"}, "api_key"),
        ({"api_key": API_KEY}, "template_id"),
        ({**MINIMAL, "template_id": "welcome"}, "template_id"),
        ({**MINIMAL, "base_url": "http://plain.example"}, "base_url"),
        ({**MINIMAL, "callback_bearer_token": "short"}, "callback_bearer_token"),
        ({**MINIMAL, "max_concurrency": 0}, "max_concurrency"),
        ({**MINIMAL, "timeout_seconds": -1}, "timeout_seconds"),
        ({**MINIMAL, "template": TEMPLATE_ID}, "template"),
    ],
)
def test_bad_tables_name_the_bad_key(table: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=rf"^connectors\.notify\.{key}:") as info:
        NotifySettings.from_mapping(table)
    assert SECRET not in str(info.value)
