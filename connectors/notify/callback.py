"""GOV.UK Notify delivery receipts: verify the callback's bearer token and parse its JSON body.

The LRS mounts the HTTP endpoint; this module is the pure part (no web framework), so it can be
tested and reused as is. Notify posts one JSON object per status change of a notification, with
`Authorization: Bearer <the token configured for the service's callback>`.
"""

from __future__ import annotations

import enum
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import SuppressionList


class CallbackAuthError(Exception):
    """The request did not carry the configured bearer token: answer 401 and ignore the body."""


class CallbackPayloadError(ValueError):
    """The body is not a delivery receipt we understand: answer 400."""


class ReceiptStatus(enum.StrEnum):
    DELIVERED = "delivered"
    PERMANENT_FAILURE = "permanent-failure"  # the address does not exist or refuses mail
    TEMPORARY_FAILURE = "temporary-failure"  # inbox full etc.; Notify has given up retrying
    TECHNICAL_FAILURE = "technical-failure"  # a Notify-side problem; not the address's fault


@dataclass(frozen=True)
class DeliveryReceipt:
    notification_id: str
    reference: str | None  # our idempotency key, as sent
    to: str
    status: ReceiptStatus
    created_at: datetime
    completed_at: datetime | None
    sent_at: datetime | None
    notification_type: str

    @property
    def address_invalid(self) -> bool:
        return self.status is ReceiptStatus.PERMANENT_FAILURE


def verify_bearer_token(authorization: str | None, expected_token: str) -> None:
    """Raise CallbackAuthError unless `authorization` is "Bearer <expected_token>" (constant time)."""
    if not expected_token:
        raise CallbackAuthError("no callback bearer token is configured; refusing all callbacks")
    scheme, _, token = (authorization or "").strip().partition(" ")
    presented = token.strip().encode("utf-8")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented, expected_token.encode("utf-8")):
        raise CallbackAuthError("missing or wrong bearer token on Notify callback")


def parse_delivery_receipt(body: bytes | str | Mapping[str, Any]) -> DeliveryReceipt:
    """Parse one callback body, raising CallbackPayloadError naming the offending field."""
    data = _as_mapping(body)
    try:
        status = ReceiptStatus(_required_text(data, "status"))
    except ValueError as err:
        raise CallbackPayloadError(f"status: unknown delivery status {data.get('status')!r}") from err
    return DeliveryReceipt(
        notification_id=_required_text(data, "id"),
        reference=_optional_text(data, "reference"),
        to=_required_text(data, "to"),
        status=status,
        created_at=_required_time(data, "created_at"),
        completed_at=_optional_time(data, "completed_at"),
        sent_at=_optional_time(data, "sent_at"),
        notification_type=_required_text(data, "notification_type"),
    )


async def apply_to_suppression(receipt: DeliveryReceipt, suppression: SuppressionList) -> bool:
    """Suppress the address of a permanent failure; returns whether it did."""
    if not receipt.address_invalid:
        return False
    await suppression.suppress(receipt.to, f"notify {receipt.status} ({receipt.notification_id})")
    return True


def _as_mapping(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CallbackPayloadError(f"body: not JSON ({err})") from err
    if not isinstance(data, Mapping):
        raise CallbackPayloadError("body: expected a JSON object")
    return data


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise CallbackPayloadError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _required_text(data: Mapping[str, Any], key: str) -> str:
    value = _optional_text(data, key)
    if not value:
        raise CallbackPayloadError(f"{key}: missing")
    return value


def _optional_time(data: Mapping[str, Any], key: str) -> datetime | None:
    value = _optional_text(data, key)
    if value is None:
        return None
    try:
        # Notify sends e.g. "2017-05-14T12:15:30.000000Z": ISO 8601 in UTC.
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise CallbackPayloadError(f"{key}: not an ISO 8601 time: {value!r}") from err
    if parsed.tzinfo is None:
        raise CallbackPayloadError(f"{key}: time has no timezone: {value!r}")
    return parsed


def _required_time(data: Mapping[str, Any], key: str) -> datetime:
    value = _optional_time(data, key)
    if value is None:
        raise CallbackPayloadError(f"{key}: missing")
    return value
