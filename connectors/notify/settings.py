"""Settings of the GOV.UK Notify channel: the `[connectors.notify]` table of the settings TOML."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.email.settings import ConfigTable

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Notify API keys are "<key name>-<service id>-<secret>", both ids being UUIDs.
_API_KEY = re.compile(rf"^.+-({_UUID})-({_UUID})$", re.IGNORECASE)


@dataclass(frozen=True)
class NotifySettings:
    api_key: str = field(repr=False)
    template_id: str  # an email template whose subject is ((subject)) and body is ((body))
    base_url: str = DEFAULT_BASE_URL
    ca_file: str | None = None  # extra CA bundle to trust (tests, TLS-inspecting proxies)
    timeout_seconds: float = 30.0
    email_reply_to_id: str | None = None  # a reply-to address id configured in the Notify service
    callback_bearer_token: str | None = field(default=None, repr=False)  # what Notify sends to our callback
    retry_after_seconds: float = 60.0
    max_concurrency: int = 4  # requests in flight (one blocking client per worker thread)

    @property
    def service_id(self) -> str:
        """The service UUID inside the key: the issuer of every request's JWT."""
        return self.api_key[-73:-37]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> NotifySettings:
        table = ConfigTable(data, "connectors.notify")
        api_key = table.text("api_key")
        if not _API_KEY.match(api_key):
            # Never echo the key: it is a secret.
            raise ValueError("connectors.notify.api_key: not a Notify API key (<name>-<service id>-<secret>)")
        template_id = table.text("template_id")
        if not re.fullmatch(_UUID, template_id, re.IGNORECASE):
            raise ValueError(f"connectors.notify.template_id: expected a template UUID, got {template_id!r}")
        base_url = table.text("base_url", DEFAULT_BASE_URL).rstrip("/")
        if not base_url.startswith("https://"):
            raise ValueError(f"connectors.notify.base_url: expected an https:// URL, got {base_url!r}")
        token = table.optional_text("callback_bearer_token")
        if token is not None and len(token) < 10:
            raise ValueError("connectors.notify.callback_bearer_token: Notify needs at least 10 characters")
        settings = cls(
            api_key=api_key,
            template_id=template_id,
            base_url=base_url,
            ca_file=table.optional_text("ca_file"),
            timeout_seconds=table.positive_number("timeout_seconds", 30.0),
            email_reply_to_id=table.optional_text("email_reply_to_id"),
            callback_bearer_token=token,
            retry_after_seconds=table.positive_number("retry_after_seconds", 60.0),
            max_concurrency=table.integer("max_concurrency", 4, low=1, high=64),
        )
        table.reject_unknown()
        return settings
