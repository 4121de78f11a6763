"""Many nudges at once: users resolved through $batch, identical notifications sent in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.base import DeliveryResult, RenderedMessage
from connectors.graph.client import request_id_for
from connectors.graph.errors import ConnectorError, PermanentError, TransientError, delivery_result_for
from connectors.graph.retry import TRANSIENT_STATUSES, parse_retry_after
from connectors.graph.transport import HttpReply
from connectors.teams.client import BULK_LIMIT, ActivityNotification, batch_provider_id
from connectors.throttling import is_throttling, note_throttled

if TYPE_CHECKING:
    from connectors.teams.connector import TeamsConnector

Prepared = tuple[int, str, ActivityNotification]  # message index, Entra user id, notification


class BulkSender:
    def __init__(self, connector: TeamsConnector) -> None:
        self.connector = connector
        self.results: dict[int, DeliveryResult] = {}

    async def send(self, messages: Sequence[RenderedMessage]) -> list[DeliveryResult]:
        prepared = await self._prepare(messages)
        groups: dict[ActivityNotification, list[Prepared]] = defaultdict(list)
        for item in prepared:
            groups[item[2]].append(item)
        # Bulk only when the app is known to be installed for everyone in the call: Graph answers
        # 202 and drops the rest, so without teams_app_id each learner gets their own reply.
        bulk = self.connector.installed_apps is not None
        singles = [item for items in groups.values() if len(items) == 1 or not bulk for item in items]
        for notification, items in groups.items():
            for start in range(0, len(items) if len(items) > 1 and bulk else 0, BULK_LIMIT):
                await self._send_bulk(messages, notification, items[start : start + BULK_LIMIT])
        if singles:
            await self._send_singles(messages, singles)
        for index, result in self.results.items():
            if result.provider_id is not None and result.status == "delivered":
                self.connector.delivered.add(messages[index].idempotency_key, result.provider_id)
        return [self.results[index] for index in range(len(messages))]

    async def _prepare(self, messages: Sequence[RenderedMessage]) -> list[Prepared]:
        pending: list[int] = []
        for index, message in enumerate(messages):
            known = self.connector.delivered.get(message.idempotency_key)
            if known is not None:
                self.results[index] = DeliveryResult.delivered(known, "already delivered")
                continue
            try:
                await self.connector.refuse_if_suppressed(message)
            except PermanentError as err:
                self.results[index] = delivery_result_for(err)
                continue
            pending.append(index)
        lookups = [messages[i].recipient.email for i in pending if not messages[i].recipient.entra_user_id]
        ids = await self.connector.users.user_ids(lookups) if lookups else {}
        prepared: list[Prepared] = []
        for index in pending:
            recipient = messages[index].recipient
            user_id = recipient.entra_user_id or ids[recipient.email.strip()]
            try:
                if isinstance(user_id, ConnectorError):
                    raise user_id
                prepared.append((index, user_id, self.connector.notification_for(messages[index])))
            except ConnectorError as err:
                self.results[index] = delivery_result_for(err)
        problems = await self.connector.app_problems(
            {user_id: messages[index].recipient.email for index, user_id, _ in prepared}
        )
        for index, user_id, _ in prepared:
            if user_id in problems:
                self.results[index] = delivery_result_for(problems[user_id])
        return [item for item in prepared if item[1] not in problems]

    async def _send_bulk(
        self, messages: Sequence[RenderedMessage], notification: ActivityNotification, items: list[Prepared]
    ) -> None:
        request_id = request_id_for(
            "|".join(sorted(messages[index].idempotency_key for index, _, _ in items))
        )
        try:
            provider_id = await self.connector.feed.notify_recipients(
                [user_id for _, user_id, _ in items], notification, request_id
            )
        except ConnectorError as err:
            for index, _, _ in items:
                self.results[index] = delivery_result_for(err)
            return
        for index, _, _ in items:
            self.results[index] = DeliveryResult.delivered(provider_id, "bulk")

    async def _send_singles(self, messages: Sequence[RenderedMessage], singles: list[Prepared]) -> None:
        request_ids = [request_id_for(messages[index].idempotency_key) for index, _, _ in singles]
        replies = await self.connector.feed.notify_each(
            [
                (user_id, notification, rid)
                for (_, user_id, notification), rid in zip(singles, request_ids, strict=True)
            ]
        )
        for (index, _, _), reply, rid in zip(singles, replies, request_ids, strict=True):
            self.results[index] = _result_for_reply(reply, rid)


def _result_for_reply(reply: HttpReply, request_id: str) -> DeliveryResult:
    if reply.status < 300:
        return DeliveryResult.delivered(batch_provider_id(reply, request_id))
    detail = f"sendActivityNotification in $batch: HTTP {reply.status} {reply.body}"
    if is_throttling(reply.status, reply.headers):
        note_throttled()
    if reply.status in TRANSIENT_STATUSES:
        return delivery_result_for(
            TransientError(detail, parse_retry_after(reply.headers.get("Retry-After")))
        )
    return delivery_result_for(PermanentError(detail, status=reply.status))
