"""POST /notify/callback: GOV.UK Notify delivery receipts.

Notify calls this URL once per final status of a notification, with `Authorization: Bearer <the
token configured in the Notify service>`, which must equal `[connectors.notify]
callback_bearer_token`. The receipt updates the delivery log (found by `reference`, our idempotency
key, else by notification id); a permanent failure puts the address on the durable suppression
list. Answers: 204 when applied (also for notifications the log does not know, such as
`lrs connectors send-test` ones, so Notify does not retry them), 401 for a missing or wrong token,
400 naming the field for a body that is not a receipt.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from connectors.notify.callback import (
    CallbackAuthError,
    CallbackPayloadError,
    DeliveryReceipt,
    ReceiptStatus,
    parse_delivery_receipt,
    verify_bearer_token,
)
from lrs.http.context import CLOCK, DATABASE, SETTINGS
from notifications.delivery_log import DeliveryLog, ProviderReceipt, ReceiptKind
from notifications.retries import RetryPolicy

log = logging.getLogger(__name__)

NOTIFY_CALLBACK_PATH = "/notify/callback"
_KINDS = {
    ReceiptStatus.DELIVERED: ReceiptKind.CONFIRMED,
    ReceiptStatus.PERMANENT_FAILURE: ReceiptKind.ADDRESS_FAILED,
    ReceiptStatus.TEMPORARY_FAILURE: ReceiptKind.UNDELIVERED,
    ReceiptStatus.TECHNICAL_FAILURE: ReceiptKind.UNDELIVERED,
}


async def post_notify_callback(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        verify_bearer_token(request.headers.get("Authorization"), configured_token(settings.connectors))
    except CallbackAuthError as err:
        return _refusal(401, str(err), headers={"WWW-Authenticate": 'Bearer realm="notify-callback"'})
    try:
        receipt = parse_delivery_receipt(await request.read())
    except CallbackPayloadError as err:
        return _refusal(400, str(err), field=str(err).partition(":")[0])
    record = await DeliveryLog(request.app[DATABASE]).record_receipt(
        provider_receipt(receipt), now=request.app[CLOCK](), policy=RetryPolicy(), jitter=random.random()
    )
    log.info(
        "notify receipt %s for %s (reference %s): %s",
        receipt.status.value,
        receipt.notification_id,
        receipt.reference,
        "not in the delivery log" if record is None else f"delivery now {record.status.value}",
    )
    return web.Response(status=204)


def configured_token(connectors: Mapping[str, Any]) -> str:
    """The expected bearer token; empty (every callback refused) when none is configured."""
    table = connectors.get("notify")
    token = table.get("callback_bearer_token") if isinstance(table, Mapping) else None
    return token if isinstance(token, str) else ""


def provider_receipt(receipt: DeliveryReceipt) -> ProviderReceipt:
    return ProviderReceipt(
        reference=receipt.reference,
        provider_id=receipt.notification_id,
        address=receipt.to,
        kind=_KINDS[receipt.status],
        status=receipt.status.value,
        detail=f"notify {receipt.status.value} ({receipt.notification_id})",
    )


def _refusal(
    status: int, message: str, *, field: str | None = None, headers: Mapping[str, str] | None = None
) -> web.Response:
    body: dict[str, Any] = {"error": True, "message": message}
    if field:
        body["field"] = field
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )
