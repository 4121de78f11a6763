"""The sender loop: claim due planned messages, re-check, apply the cap, pick a channel, deliver.

Runs in the worker, never inside a listener: each claim and each settlement is its own short write
transaction, and `notifications.dispatch.deliver()` claims its key in the delivery log in its own
write session too. Due retries from `DeliveryLog.due()` are re-rendered and resent by the same loop.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import Connector, DeliveryStatus, Recipient, RenderedMessage
from lrs.clock import Clock
from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.storage.engine import Database
from lrs.storage.planned_message_models import PlannedMessage
from notifications.batch import Batch, evaluate_batch
from notifications.caps import DIGEST_RULE, cap_decision, folded_nudges, mark_folded, plan_catch_up
from notifications.claims import Settlement, claim_due, defer, settle
from notifications.content import Render, default_renderer, override_folder
from notifications.context import LearnerFacts, digest_items, render_context
from notifications.decisions import Cancel, Deferral, channel_order, hold
from notifications.deferrals import defer_held
from notifications.delivery_log import DeliveryLog, DeliveryState
from notifications.dispatch import deliver
from notifications.facts import LinkSigner, learner_facts
from notifications.invites import INVITE_CHANNELS, INVITE_RULES, calendar_invite
from notifications.outgoing import outgoing_message
from notifications.recheck import reason_gone
from notifications.rules import NotificationRules
from notifications.schedule import PlanState
from notifications.weekly_send import is_weekly, weekly_channels, weekly_message, weekly_messages

log = logging.getLogger(__name__)

DEFAULT_CHANNEL_ORDER = ("teams", "email")
CHANNEL_POSTS = {"cohort_update": "teams_channel"}


@dataclass(frozen=True)
class SenderOptions:
    base_url: str = "http://127.0.0.1:8080"
    # Messages to no learner (a team digest) go in this order; a learner's own preference wins.
    channel_order: tuple[str, ...] = DEFAULT_CHANNEL_ORDER
    lease: timedelta = timedelta(minutes=15)
    batch_size: int = 50
    # Signs the preferences and unsubscribe links: the install's hash key in a worker. The random
    # default makes links only this process could verify (tests and benchmarks).
    link_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    templates_root: Path = Path("config/programmes")  # a programme's `templates` folder is relative to it


@dataclass(frozen=True)
class Prepared:
    """What a claimed message needs to be sent, read in one read session."""

    row: PlannedMessage
    message_for: Callable[[str], RenderedMessage]
    reason_gone: str | None
    over_cap: str | None
    rules: NotificationRules
    facts: LearnerFacts


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
        self.links = LinkSigner(self.options.link_key, self.options.base_url)

    async def step(self) -> int:
        """Send what is due now, and the delivery log's due retries; return how many were handled."""
        if not self.connectors:  # nothing to send with: keep the schedule as it is
            return 0
        now = self.clock()
        claimed = await claim_due(self.database, now, lease=self.options.lease, limit=self.options.batch_size)
        batch = await evaluate_batch(self.database, claimed, self.rules_for, now)  # notifications.batch
        deferred = await defer_held(self.database, batch, self.rules_for, now)  # quiet hours, at once
        for row_id in claimed:
            if row_id not in deferred:
                await self.send_one(row_id, batch)
        return len(claimed) + await self.resend_retries()

    async def send_one(self, row_id: int, batch: Batch | None = None) -> Settlement:
        try:
            prepared = await self._prepare(row_id, batch)
        except Exception as err:  # one message's bad data (a template, a programme gone) stops only it
            log.exception("notification %s could not be prepared", row_id)
            outcome = Settlement(PlanState.FAILED, f"could not be prepared: {type(err).__name__}: {err}")
            await settle(self.database, row_id, outcome, self.clock())
            return outcome
        if prepared is None:
            return Settlement(PlanState.CANCELLED, "gone")
        decision = await self._decide(prepared)
        now = self.clock()
        if isinstance(decision, Deferral):
            await defer(self.database, row_id, decision.until, now, reason=decision.reason)
            log.info("notification %s: deferred to %s", prepared.row.key, decision.until.isoformat())
            return Settlement(PlanState.PLANNED, decision.reason)
        outcome = decision
        await settle(self.database, row_id, outcome, now)
        if batch is not None and outcome.state in {PlanState.SENT, PlanState.DELIVERED}:
            batch.tally.record(prepared.row)  # counts toward the cap of the batch's later messages
        if outcome.state is PlanState.THROTTLED:
            await plan_catch_up(self.database, prepared.row, prepared.rules, now)
        elif prepared.row.rule == DIGEST_RULE and outcome.state in {PlanState.SENT, PlanState.DELIVERED}:
            await mark_folded(self.database, prepared.row, now)
        log.info("notification %s: %s %s", prepared.row.key, outcome.state.value, outcome.reason or "")
        return outcome

    async def _decide(self, prepared: Prepared) -> Settlement | Deferral:
        """Cancelled (reason gone, opted out), deferred (quiet hours), throttled, or delivered."""
        held = self._held(prepared)
        if isinstance(held, Cancel):
            return Settlement(PlanState.CANCELLED, held.reason)
        if held is not None:
            return held
        if prepared.over_cap is not None:
            return Settlement(PlanState.THROTTLED, prepared.over_cap)
        return await self._deliver_by_order(prepared)

    def _held(self, prepared: Prepared) -> Cancel | Deferral | None:
        preferences, windows = prepared.facts.preferences, prepared.rules.sending_windows
        return hold(prepared.row, prepared.reason_gone, preferences, self.clock(), windows=windows)

    async def _deliver_by_order(self, prepared: Prepared) -> Settlement:
        hops: list[str] = []
        for channel in self.channels_for(prepared.row, prepared.facts):
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
        unreachable = (
            "none of the message's channels is configured (the learner's order: "
            + ", ".join(prepared.facts.preferences.channel_order)
            + ")"
        )
        return Settlement(PlanState.FAILED, "; ".join(hops) or unreachable)

    def channels_for(self, row: PlannedMessage, facts: LearnerFacts | None = None) -> list[str]:
        """Where the message goes, in order: a channel post to its channel, an invitation to the
        calendar or email, anything else by the learner's channel order."""
        if is_weekly(row.rule):
            return weekly_channels(row.rule, self.connectors)
        if row.rule in CHANNEL_POSTS:
            wanted: Sequence[str] = (CHANNEL_POSTS[row.rule],)
        elif row.rule in INVITE_RULES:
            wanted = INVITE_CHANNELS
        elif facts is not None and row.learner_id is not None:
            wanted = channel_order(facts.preferences, self.connectors)
        else:
            wanted = self.options.channel_order
        chosen = [channel for channel in wanted if channel in self.connectors]
        if not chosen and "local" in self.connectors:
            chosen = ["local"]
        return chosen

    async def _prepare(self, row_id: int, batch: Batch | None = None) -> Prepared | None:
        now = self.clock()
        async with self.database.read_session() as session:
            decided = await self._decided(session, row_id, batch)
            if decided is None:
                return None
            row, programme, gone, over_cap = decided
            rules = self.rules_for(programme)
            facts = await learner_facts(session, row, programme, self.links, now)
            folded = await folded_nudges(session, row) if row.rule == DIGEST_RULE else []
            weekly = (
                await weekly_message(session, row, programme, rules, now, self.options.base_url)
                if is_weekly(row.rule)
                else None
            )
        if weekly is not None:  # a cohort post or the team digest: its own recipient and content
            folder = override_folder(programme, self.options.templates_root)
            messages = weekly_messages(row, weekly, folder)
            return Prepared(row, messages, gone or weekly.reason_gone, over_cap, rules, facts)
        context = render_context(row, programme, facts, self.options.base_url)
        if row.rule == DIGEST_RULE:
            context["items"] = digest_items(folded, programme, str(context["deep_link"]))
        return Prepared(row, self._messages(row, facts, context, programme), gone, over_cap, rules, facts)

    async def _decided(
        self, session: AsyncSession, row_id: int, batch: Batch | None
    ) -> tuple[PlannedMessage, Programme, str | None, str | None] | None:
        """The row, its programme, the reason it has gone and the cap's verdict: from what the batch
        read and decided at once (notifications.batch) when it covers the row, else read here."""
        if batch is not None and batch.covers(row_id):
            row = batch.rows[row_id]
            programme, gone = batch.programmes[row.programme_id], batch.reasons[row_id]
            over_cap = None if gone else batch.tally.decision(row, self.rules_for(programme))
            return row, programme, gone, over_cap
        found = await session.get(PlannedMessage, row_id)
        if found is None:
            return None
        programme = await stored_programme(session, found.programme_id)
        gone = await reason_gone(session, found, programme)
        rules = self.rules_for(programme)
        over_cap = None if gone else await cap_decision(session, found, rules, self.clock())
        return found, programme, gone, over_cap

    def _messages(
        self, row: PlannedMessage, facts: LearnerFacts, context: dict[str, Any], programme: Programme
    ) -> Callable[[str], RenderedMessage]:
        stored = json.loads(row.context)
        recipient = Recipient(facts.email, facts.name)

        def message_for(channel: str) -> RenderedMessage:
            folder = override_folder(programme, self.options.templates_root)
            content = self.render(row.rule, channel, context, language=facts.language, override_dir=folder)
            return outgoing_message(
                row,
                channel,
                recipient,
                content,
                language=facts.language,
                deep_link=str(context.get("deep_link") or ""),
                invite=calendar_invite(stored, recipient, content.text),
                unsubscribe_url=facts.unsubscribe_url,
            )

        return message_for

    async def resend_retries(self) -> int:
        """Send again the delivery log's due keys that belong to planned messages, re-checked and
        held to the learner's sending window as a first send is (never capped: it was counted)."""
        handled = 0
        for record in await self.delivery_log.due(self.clock()):
            planned, _, channel = record.key.rpartition("@")
            row_id = await self._row_id(planned) if planned and channel in self.connectors else None
            if row_id is not None:
                await self._resend(row_id, record.key, channel)
                handled += 1
        return handled

    async def _resend(self, row_id: int, key: str, channel: str) -> None:
        try:
            prepared = await self._prepare(row_id)
        except Exception as err:  # one message's bad data (a programme gone) stops only it
            log.exception("notification %s could not be prepared for its retry", key)
            reason = f"could not be prepared: {type(err).__name__}: {err}"
            await self.delivery_log.hold_back(
                key, until=None, reason=reason, now=self.clock(), stopped=DeliveryState.FAILED
            )
            await settle(self.database, row_id, Settlement(PlanState.FAILED, reason), self.clock())
            return
        if prepared is None:
            return
        held = self._held(prepared)
        if held is not None:
            await self._hold_retry(prepared, key, held)
            return
        try:
            message = prepared.message_for(channel)
        except Exception as err:  # a template edited since the first try fails this message alone
            log.exception("notification %s did not render for %s", prepared.row.key, channel)
            failed = Cancel(f"{channel}: did not render: {err}")
            await self._hold_retry(prepared, key, failed, DeliveryState.FAILED)
            return
        await deliver(
            message, self.connectors[channel], self.delivery_log, self.clock, lease=self.options.lease
        )
        settled = await self.delivery_log.get(key)
        state = _plan_state(settled.status if settled else DeliveryState.RETRY)
        await settle(self.database, prepared.row.id, Settlement(state, None, channel), self.clock())

    async def _hold_retry(
        self,
        prepared: Prepared,
        key: str,
        held: Cancel | Deferral,
        stopped: DeliveryState = DeliveryState.CANCELLED,
    ) -> None:
        """A retry outside the window waits for it (the message stays `sent`, saying why); one whose
        reason has gone is cancelled in the log and the schedule (`stopped`: failed, when it no longer
        renders). A message still `planned` (its sender died mid-send) is left to its own re-check
        when its lease runs out."""
        now = self.clock()
        until = held.until if isinstance(held, Deferral) else None
        await self.delivery_log.hold_back(key, until=until, reason=held.reason, now=now, stopped=stopped)
        log.info("notification %s: retry held back: %s", prepared.row.key, held.reason)
        if prepared.row.state == PlanState.SENT.value:
            state = PlanState.SENT if until else _plan_state(stopped)
            await settle(self.database, prepared.row.id, Settlement(state, held.reason), now)

    async def _row_id(self, key: str) -> int | None:
        async with self.database.read_session() as session:
            return await session.scalar(select(PlannedMessage.id).where(PlannedMessage.key == key))


def _plan_state(state: DeliveryState) -> PlanState:
    return {
        DeliveryState.DELIVERED: PlanState.DELIVERED,
        DeliveryState.FAILED: PlanState.FAILED,
        DeliveryState.DEAD: PlanState.DEAD,
        DeliveryState.CANCELLED: PlanState.CANCELLED,
    }.get(state, PlanState.SENT)
