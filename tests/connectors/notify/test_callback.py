from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import MemorySuppressionList
from connectors.notify.callback import (
    CallbackAuthError,
    CallbackPayloadError,
    ReceiptStatus,
    apply_to_suppression,
    parse_delivery_receipt,
    verify_bearer_token,
)

TOKEN = "callback-secret-0123456789"


def receipt_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
        "reference": "nudge:cohort-7:sam:module-3",
        "to": "sam@partner.example.org",
        "status": "delivered",
        "created_at": "2025-05-06T09:15:00.000000Z",
        "completed_at": "2025-05-06T09:15:30.000000Z",
        "sent_at": "2025-05-06T09:15:05.000000Z",
        "notification_type": "email",
        "template_id": "8c1a3f2e-7d4b-4e9a-b5c6-d7e8f9a0b1c2",
        "template_version": 3,
    }
    body.update(changes)
    return body


def test_parses_a_delivered_receipt_from_bytes() -> None:
    receipt = parse_delivery_receipt(json.dumps(receipt_body()).encode())
    assert receipt.notification_id == "740e5834-3a29-46b4-9a6f-16142fde533a"
    assert receipt.reference == "nudge:cohort-7:sam:module-3"
    assert receipt.to == "sam@partner.example.org"
    assert receipt.status is ReceiptStatus.DELIVERED and not receipt.address_invalid
    assert receipt.created_at == datetime(2025, 5, 6, 9, 15, tzinfo=UTC)
    assert receipt.completed_at == datetime(2025, 5, 6, 9, 15, 30, tzinfo=UTC)
    assert receipt.sent_at == datetime(2025, 5, 6, 9, 15, 5, tzinfo=UTC)
    assert receipt.notification_type == "email"


@pytest.mark.parametrize(
    ("status", "invalid"),
    [
        ("permanent-failure", True),
        ("temporary-failure", False),
        ("technical-failure", False),
        ("delivered", False),
    ],
)
async def test_only_permanent_failures_suppress_the_address(status: str, invalid: bool) -> None:
    receipt = parse_delivery_receipt(receipt_body(status=status))
    suppression = MemorySuppressionList()
    assert await apply_to_suppression(receipt, suppression) is invalid
    assert await suppression.is_suppressed("sam@partner.example.org") is invalid


def test_optional_fields_may_be_null() -> None:
    receipt = parse_delivery_receipt(receipt_body(reference=None, sent_at=None, completed_at=None))
    assert receipt.reference is None and receipt.sent_at is None and receipt.completed_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (receipt_body(status="bounced"), "status"),
        (receipt_body(id=None), "id"),
        (receipt_body(to=42), "to"),
        (receipt_body(created_at="yesterday"), "created_at"),
        (receipt_body(completed_at="2025-05-06T09:15:30"), "completed_at"),
        ({k: v for k, v in receipt_body().items() if k != "notification_type"}, "notification_type"),
    ],
)
def test_bad_bodies_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(CallbackPayloadError, match=rf"^{field}:"):
        parse_delivery_receipt(body)


def test_the_configured_bearer_token_is_accepted() -> None:
    verify_bearer_token(f"Bearer {TOKEN}", TOKEN)
    verify_bearer_token(f"bearer   {TOKEN} ", TOKEN)


@pytest.mark.parametrize(
    "header",
    [None, "", TOKEN, f"Basic {TOKEN}", "Bearer ", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer £uro"],
)
def test_anything_else_is_refused(header: str | None) -> None:
    with pytest.raises(CallbackAuthError):
        verify_bearer_token(header, TOKEN)


def test_without_a_configured_token_every_callback_is_refused() -> None:
    with pytest.raises(CallbackAuthError, match="no callback bearer token"):
        verify_bearer_token("Bearer ", "")
