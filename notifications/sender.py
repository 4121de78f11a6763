"""The sender loop: claim due planned messages, re-check, apply the cap, pick a channel, deliver.

Runs in the worker, never inside a listener: each claim and each settlement is its own short write
transaction, and `notifications.dispatch.deliver()` claims its key in the delivery log in its own
write session too. Due retries from `DeliveryLog.due()` are re-rendered and resent by the same loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from connectors.base import Connector, DeliveryStatus, Recipient, RenderedMessage
from lrs.clock import Clock
from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import LearnerRow
from notifications.caps import DIGEST_RULE, cap_decision, fold_throttled, mark_folded, plan_catch_up
from notifications.claims import Settlement, claim_due, settle
from notifications.content import LearnerFacts, Render, default_renderer, render_context
from notifications.delivery_log import DeliveryLog, DeliveryState
from notifications.dispatch import deliver
from notifications.invites import INVITE_CHANNELS, INVITE_RULES, calendar_invite
from notifications.keys import delivery_key
from notifications.recheck import reason_gone
from notifications.rules import NotificationRules
from notifications.schedule import PlanState
from notifications.weekly_send import is_weekly, render_weekly, weekly_channels, weekly_message

log = logging.getLogger(__name__)

DEFAULT_CHANNEL_ORDER = ("teams", "email")
CHANNEL_POSTS = {"cohort_update": "teams_channel"}


@dataclass(frozen=True)
class SenderOptions:
    base_url: str = "http://127.0.0.1:8080"
    channel_order: tuple[str, ...] = DEFAULT_CHANNEL_ORDER
    lease: timedelta = timedelta(minutes=15)
    batch_size: int = 50


@dataclass(frozen=True)
class Prepared:
    """What a claimed message needs to be sent, read in one read session."""

    row: PlannedMessage
    message_for: Callable[[str], RenderedMessage]
    reason_gone: str | None
    over_cap: str | None
    rules: NotificationRules


class NotificationSender:
    def __init__(
        self,
        database: Database,
        connectors: Mapping[str, Connector],
        *,
        clock: Clock,
        rules_for: Callable[[Programme], NotificationRules],
        options: SenderOptions | None = None,
        render: Render | None = None,
    ) -> None:
        self.database = database
        self.connectors = dict(connectors)
        self.clock = clock
        self.rules_for = rules_for
        self.options = options or SenderOptions()
        self.render = render or default_renderer()
        self.delivery_log = DeliveryLog(database)

    async def step(self) -> int:
        """Send what is due now, and the delivery log's due retries; return how many were handled."""
        if not self.connectors:  # nothing to send with: keep the schedule as it is
            return 0
        now = self.clock()
        claimed = await claim_due(self.database, now, lease=self.options.lease, limit=self.options.batch_size)
        for row_id in claimed:
            await self.send_one(row_id)
        return len(claimed) + await self.resend_retries()

    async def send_one(self, row_id: int) -> Settlement:
        try:
            prepared = await self._prepare(row_id)
        except Exception as err:  # one message's bad data (a template, a programme gone) stops only it
            log.exception("notification %s could not be prepared", row_id)
            outcome = Settlement(PlanState.FAILED, f"could not be prepared: {type(err).__name__}: {err}")
            await settle(self.database, row_id, outcome, self.clock())
            return outcome
        if prepared is None:
            return Settlement(PlanState.CANCELLED, "gone")
        outcome = await self._decide(prepared)
        now = self.clock()
        await settle(self.database, row_id, outcome, now)
        if outcome.state is PlanState.THROTTLED:
            await plan_catch_up(self.database, prepared.row, prepared.rules, now)
        elif prepared.row.rule == DIGEST_RULE and outcome.state in {PlanState.SENT, PlanState.DELIVERED}:
            await mark_folded(self.database, prepared.row, now)
        log.info("notification %s: %s %s", prepared.row.key, outcome.state.value, outcome.reason or "")
        return outcome

    async def _decide(self, prepared: Prepared) -> Settlement:
        if prepared.reason_gone is not None:
            return Settlement(PlanState.CANCELLED, prepared.reason_gone)
        if prepared.over_cap is not None:
            return Settlement(PlanState.THROTTLED, prepared.over_cap)
        return await self._deliver_by_order(prepared)

    async def _deliver_by_order(self, prepared: Prepared) -> Settlement:
        hops: list[str] = []
        for channel in self.channels_for(prepared.row):
            try:
                message = prepared.message_for(channel)
            except Exception as err:  # a template that does not render fails this message, not the loop
                log.exception("notification %s did not render for %s", prepared.row.key, channel)
                return Settlement(PlanState.FAILED, f"{channel}: did not render: {err}")
            result = await deliver(
                message,
                self.connectors[channel],
                self.delivery_log,
                self.clock,
                lease=self.options.lease,
            )
            if result.status is DeliveryStatus.DELIVERED:
                return Settlement(PlanState.DELIVERED, "; ".join(hops) or None, channel)
            if result.status is DeliveryStatus.RETRY:
                return Settlement(PlanState.SENT, result.detail, channel)
            hops.append(f"{channel}: {result.detail}")
            log.info(
                "notification %s: %s failed for good, trying the next channel", prepared.row.key, channel
            )
        return Settlement(PlanState.FAILED, "; ".join(hops) or "no channel is configured")

    def channels_for(self, row: PlannedMessage) -> list[str]:
        if is_weekly(row.rule):
            return weekly_channels(row.rule, self.connectors)
        if row.rule in CHANNEL_POSTS:
            wanted: Sequence[str] = (CHANNEL_POSTS[row.rule],)
        elif row.rule in INVITE_RULES:
            wanted = INVITE_CHANNELS
        else:
            wanted = self.options.channel_order
        chosen = [channel for channel in wanted if channel in self.connectors]
        if not chosen and "local" in self.connectors:
            chosen = ["local"]
        return chosen

    async def _prepare(self, row_id: int) -> Prepared | None:
        async with self.database.read_session() as session:
            row = await session.get(PlannedMessage, row_id)
            if row is None:
                return None
            programme = await stored_programme(session, row.programme_id)
            learner = await session.get(LearnerRow, row.learner_id) if row.learner_id is not None else None
            gone = await reason_gone(session, row, programme)
            rules = self.rules_for(programme)
            over_cap = None if gone else await cap_decision(session, row, rules, self.clock())
            items = await fold_throttled(session, row) if row.rule == "catch_up_digest" else []
            weekly = (
                await weekly_message(session, row, programme, rules, self.clock(), self.options.base_url)
                if is_weekly(row.rule)
                else None
            )
        if weekly is not None:  # a cohort post or the team digest: its own recipient and content
            facts, context, gone = weekly.facts, weekly.context, gone or weekly.reason_gone
        else:
            facts = (
                LearnerFacts(learner.id, learner.name, learner.email) if learner else LearnerFacts(0, "", "")
            )
            context = {**render_context(row, programme, facts, self.options.base_url), "items": items}
        render, language = (render_weekly, weekly.language) if weekly else (self.render, "en")
        stored = json.loads(row.context)

        def message_for(channel: str) -> RenderedMessage:
            content = render(row.rule, channel, context, language=language)
            text = content.activity_text if channel == "teams" and content.activity_text else content.text
            return RenderedMessage(
                idempotency_key=delivery_key(row.key, channel),
                recipient=Recipient(facts.email, facts.name),
                subject=content.subject,
                text=text,
                html=content.html,
                deep_link=str(context.get("deep_link") or "") or None,
                card=content.card,
                invite=calendar_invite(stored, Recipient(facts.email, facts.name), content.text),
                metadata={"rule": row.rule, "category": row.category},
            )

        return Prepared(row, message_for, gone, over_cap, rules)

    async def resend_retries(self) -> int:
        """Send again the delivery log's due keys that belong to planned messages."""
        handled = 0
        for record in await self.delivery_log.due(self.clock()):
            planned, _, channel = record.key.rpartition("@")
            prepared = (
                await self._prepared_by_key(planned) if planned and channel in self.connectors else None
            )
            if prepared is None:
                continue
            await deliver(
                prepared.message_for(channel),
                self.connectors[channel],
                self.delivery_log,
                self.clock,
                lease=self.options.lease,
            )
            settled = await self.delivery_log.get(record.key)
            state = _plan_state(settled.status if settled else DeliveryState.RETRY)
            await settle(self.database, prepared.row.id, Settlement(state, None, channel), self.clock())
            handled += 1
        return handled

    async def _prepared_by_key(self, key: str) -> Prepared | None:
        async with self.database.read_session() as session:
            row_id = await session.scalar(select(PlannedMessage.id).where(PlannedMessage.key == key))
        return None if row_id is None else await self._prepare(row_id)


def _plan_state(state: DeliveryState) -> PlanState:
    return {
        DeliveryState.DELIVERED: PlanState.DELIVERED,
        DeliveryState.FAILED: PlanState.FAILED,
        DeliveryState.DEAD: PlanState.DEAD,
    }.get(state, PlanState.SENT)
