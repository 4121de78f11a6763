"""Wiring the engine into a worker: rules from settings, connectors from `[connectors]`, the planner on
the bus and the sender as a worker step."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from connectors.base import Connector
from connectors.registry import CHANNELS, configured_channels, create
from lrs.clock import Clock
from lrs.events.bus import EventBus, Unsubscribe
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.hash_key import load_hash_key
from notifications.planner import NotificationPlanner
from notifications.rules import NotificationRules, ProgrammeRules, parse_rules
from notifications.sender import NotificationSender, SenderOptions
from notifications.suppression import StoredSuppressionList
from notifications.weekly import WeeklyPlanner

# Channels that carry a message to one learner or a cohort channel (calendar invites ride on these).
MESSAGE_CHANNELS = ("teams", "email", "notify", "graph_mail", "teams_channel")
EMBEDDED_CHANNEL = "local"


def rules_from_settings(table: Mapping[str, Any]) -> NotificationRules:
    return parse_rules(table, path="notifications")


def build_connectors(
    connectors_table: Mapping[str, Any], database: Database, *, clock: Clock
) -> dict[str, Connector]:
    """Every configured message channel; the embedded `local` channel when none is configured."""
    suppression = StoredSuppressionList(database, clock=clock)
    chosen = [name for name in configured_channels(connectors_table) if name in MESSAGE_CHANNELS]
    built = {name: create(name, connectors_table[name], suppression) for name in chosen}
    if not built and EMBEDDED_CHANNEL in CHANNELS:
        built[EMBEDDED_CHANNEL] = create(
            EMBEDDED_CHANNEL, connectors_table.get(EMBEDDED_CHANNEL, {}), suppression
        )
    return built


def planner_installer(rules: NotificationRules, *, clock: Clock) -> Callable[[EventBus], Unsubscribe]:
    def install(bus: EventBus) -> Unsubscribe:
        handles = [
            NotificationPlanner(ProgrammeRules(rules), clock=clock).subscribe(bus),
            WeeklyPlanner(ProgrammeRules(rules), clock=clock).subscribe(bus),
        ]

        def unsubscribe() -> None:
            for handle in handles:
                handle()

        return unsubscribe

    return install


async def link_key(database: Database, settings: Settings) -> bytes:
    """The install's hash key, which signs the learners' preferences and unsubscribe links (the web
    pages behind those links verify them with the same key). Workers starting together on a new
    database race to record its fingerprint: the loser reads the winner's."""
    try:
        return await _load_hash_key(database, settings)
    except IntegrityError:  # another worker recorded the fingerprint first: now it is there
        return await _load_hash_key(database, settings)


async def _load_hash_key(database: Database, settings: Settings) -> bytes:
    async with database.write_session() as session, session.begin():
        return await load_hash_key(session, settings.secret_key, Path(settings.hash_key_file))


def sender_for(
    database: Database,
    connectors: Mapping[str, Connector],
    rules: NotificationRules,
    *,
    clock: Clock,
    settings: Settings,
    key: bytes,
) -> NotificationSender:
    options = SenderOptions(
        base_url=settings.base_url,
        lease=rules.send_lease,
        link_key=key,
        templates_root=Path(settings.programmes_dir),
    )
    return NotificationSender(
        database, connectors, clock=clock, rules_for=ProgrammeRules(rules), options=options
    )


WorkerStep = Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class NotificationEngine:
    listeners: Sequence[Callable[[EventBus], Unsubscribe]]
    steps: Sequence[WorkerStep]


@contextlib.asynccontextmanager
async def notification_engine(
    settings: Settings, database: Database, *, clock: Clock
) -> AsyncIterator[NotificationEngine]:
    """The planner and the sender for a worker; the connectors are closed when the worker stops."""
    rules = rules_from_settings(settings.notifications)
    connectors = build_connectors(settings.connectors, database, clock=clock)
    key = await link_key(database, settings)
    sender = sender_for(database, connectors, rules, clock=clock, settings=settings, key=key)
    try:
        yield NotificationEngine([planner_installer(rules, clock=clock)], [sender.step])
    finally:
        for connector in connectors.values():
            await connector.close()
