"""In-process listener registry. The outbox consumer hands each event to the listeners of its type,
each inside its own savepoint of the consumer's transaction: a listener's database effects commit
together with the "processed" mark, and a failing listener is rolled back, logged and retried on its
own (see `lrs.events.consumer`) without taking the others down. Listeners may keep memos for the
rest of the transaction in `session.info`; a listener's failure clears them.

A *group listener* (`subscribe_group`) gets every event of its type in the consumer's group at once:
`dispatch` only collects the event, and `finish_group` (called by the consumer before it marks the
group's rows processed, in the same transaction) hands the collected events to the listener in one
call, in a savepoint of its own. That is how a batch of statements is projected set-wise. If it
fails, the failure names every collected event's tag (the consumer's row), so each can be retried.

`subscribe_ordered` is the group form for a listener whose events of several types must be seen in
the order they were dispatched (an enrolment and a withdrawal of one learner): one listener, one
durable name per type (retries are addressed to those), called once per group with the events of all
its types interleaved as they came. A failure names each type's events under that type's name.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.types import Event

log = logging.getLogger(__name__)

_E = TypeVar("_E", bound=Event)
Listener = Callable[[Any, AsyncSession], Awaitable[None]]
Unsubscribe = Callable[[], None]


class RetryLater(Exception):
    """Raised by a listener that cannot do its work now without risking a deadlock (e.g. a lock it
    may not wait for): it is rolled back and retried like a failure, logged without a traceback."""


# `session.info` keys starting with these stay when a listener is rolled back: "locks:" records locks
# the transaction holds (a savepoint rollback never makes the record unsafe, at most over-cautious);
# "group:" holds the events collected for group listeners, which a failed listener did not touch.
KEPT_ON_ROLLBACK = ("locks:", "group:")
_COLLECTED = "group:collected"
_SEQUENCE = "group:sequence"
_Collected = tuple[int, Any, Event]  # (dispatch order, tag, event)
GroupListener = Callable[[list[Any], AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    name: str
    event_type: type[Event]
    listener: Listener
    group: GroupListener | None = None
    chain: str | None = None  # subscriptions of one `subscribe_ordered` listener share this


@dataclass(frozen=True)
class ListenerFailure:
    name: str
    error: str


@dataclass(frozen=True)
class GroupFailure:
    """A group listener failed: the tags `dispatch` was given with each of its events."""

    name: str
    error: str
    tags: tuple[Any, ...]


async def _collect_only(_event: Any, _session: AsyncSession) -> None:
    """Stands in for a group listener's per-event call (the bus collects the event instead)."""


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: dict[str, Subscription] = {}

    def subscribe(
        self, event_type: type[_E], listener: Callable[[_E, AsyncSession], Awaitable[None]], *, name: str
    ) -> Unsubscribe:
        """Call `listener(event, session)` for every event of `event_type`. `name` identifies the
        listener durably (retries are addressed to it), so it must be unique and stable."""
        return self._add(Subscription(name, event_type, listener))

    def subscribe_group(
        self,
        event_type: type[_E],
        listener: Callable[[list[_E], AsyncSession], Awaitable[None]],
        *,
        name: str,
    ) -> Unsubscribe:
        """Call `listener(events, session)` once per consumer group with every event of `event_type`
        dispatched in it (see the module docstring)."""
        return self._add(Subscription(name, event_type, _collect_only, listener))

    def subscribe_ordered(
        self, names: dict[type[Event], str], listener: Callable[[list[Any], AsyncSession], Awaitable[None]]
    ) -> Unsubscribe:
        """Call `listener(events, session)` once per consumer group with the events of every type in
        `names` dispatched in it, in dispatch order; `names` gives each type's durable name."""
        chain = "+".join(names.values())
        handles = [
            self._add(Subscription(name, event_type, _collect_only, listener, chain))
            for event_type, name in names.items()
        ]

        def unsubscribe() -> None:
            for handle in handles:
                handle()

        return unsubscribe

    def _add(self, subscription: Subscription) -> Unsubscribe:
        name = subscription.name
        if name in self._subscriptions:
            raise ValueError(f"a listener named {name!r} is already subscribed")
        self._subscriptions[name] = subscription

        def unsubscribe() -> None:
            if self._subscriptions.get(name) is subscription:
                del self._subscriptions[name]

        return unsubscribe

    def listeners_for(self, event: Event, only: str | None = None) -> list[Subscription]:
        return [
            item
            for item in self._subscriptions.values()
            if isinstance(event, item.event_type) and (only is None or item.name == only)
        ]

    async def dispatch(
        self, event: Event, session: AsyncSession, *, only: str | None = None, tag: Any = None
    ) -> list[ListenerFailure]:
        """Run the listeners (or just the one named `only`); return those that failed. Group
        listeners only collect the event, with `tag`, for `finish_group`."""
        failures: list[ListenerFailure] = []
        for subscription in self.listeners_for(event, only):
            if subscription.group is not None:
                collected: dict[str, list[_Collected]] = session.info.setdefault(_COLLECTED, {})
                sequence = session.info.get(_SEQUENCE, 0)
                session.info[_SEQUENCE] = sequence + 1
                collected.setdefault(subscription.name, []).append((sequence, tag, event))
                continue
            try:
                async with session.begin_nested():
                    await subscription.listener(event, session)
            except Exception as err:  # a listener's bug must not stop the others
                _log_failure(subscription.name, event.topic, err)
                _forget_memos(session)
                failures.append(ListenerFailure(subscription.name, f"{type(err).__name__}: {err}"))
        return failures

    async def finish_group(self, session: AsyncSession) -> list[GroupFailure]:
        """Hand each group listener the events collected for it (in subscription order, each in a
        savepoint; an ordered listener once, with all its types' events in dispatch order); return
        those that failed, with their events' tags, under each type's name."""
        collected: dict[str, list[_Collected]] = session.info.pop(_COLLECTED, {})
        session.info.pop(_SEQUENCE, None)
        failures: list[GroupFailure] = []
        done: set[str] = set()
        for subscription in list(self._subscriptions.values()):
            if subscription.group is None or subscription.name in done:
                continue
            members = [
                item
                for item in self._subscriptions.values()
                if item is subscription or (subscription.chain and item.chain == subscription.chain)
            ]
            done.update(item.name for item in members)
            items = {item.name: collected.get(item.name, []) for item in members}
            ordered = sorted((entry for entries in items.values() for entry in entries), key=lambda e: e[0])
            if not ordered:
                continue
            try:
                async with session.begin_nested():
                    await subscription.group([event for _seq, _tag, event in ordered], session)
            except Exception as err:
                _log_failure(subscription.chain or subscription.name, f"{len(ordered)} event(s)", err)
                _forget_memos(session)
                error = f"{type(err).__name__}: {err}"
                failures += [
                    GroupFailure(name, error, tuple(tag for _seq, tag, _ in entries))
                    for name, entries in items.items()
                    if entries
                ]
        return failures


def _log_failure(name: str, what: str, err: Exception) -> None:
    if isinstance(err, RetryLater):
        log.info("listener %s deferred %s: %s", name, what, err)
    else:
        log.exception("listener %s failed on %s", name, what)


def _forget_memos(session: AsyncSession) -> None:
    """Memos kept in `session.info` may describe work the savepoint undid."""
    for key in [key for key in session.info if not str(key).startswith(KEPT_ON_ROLLBACK)]:
        del session.info[key]
