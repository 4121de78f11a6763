"""In-process listener registry. The outbox consumer hands each event to the listeners of its type,
each inside its own savepoint of the consumer's transaction: a listener's database effects commit
together with the "processed" mark, and a failing listener is rolled back, logged and retried on its
own (see `lrs.events.consumer`) without taking the others down. Listeners may keep memos for the
rest of the transaction in `session.info`; a listener's failure clears them.
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


# `session.info` keys starting with this stay when a listener is rolled back: they record locks the
# transaction holds, and a savepoint rollback never makes the record unsafe (at most over-cautious).
KEPT_ON_ROLLBACK = "locks:"


@dataclass(frozen=True)
class Subscription:
    name: str
    event_type: type[Event]
    listener: Listener


@dataclass(frozen=True)
class ListenerFailure:
    name: str
    error: str


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: dict[str, Subscription] = {}

    def subscribe(
        self, event_type: type[_E], listener: Callable[[_E, AsyncSession], Awaitable[None]], *, name: str
    ) -> Unsubscribe:
        """Call `listener(event, session)` for every event of `event_type`. `name` identifies the
        listener durably (retries are addressed to it), so it must be unique and stable."""
        if name in self._subscriptions:
            raise ValueError(f"a listener named {name!r} is already subscribed")
        subscription = Subscription(name, event_type, listener)
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
        self, event: Event, session: AsyncSession, *, only: str | None = None
    ) -> list[ListenerFailure]:
        """Run the listeners (or just the one named `only`); return those that failed."""
        failures: list[ListenerFailure] = []
        for subscription in self.listeners_for(event, only):
            try:
                async with session.begin_nested():
                    await subscription.listener(event, session)
            except Exception as err:  # a listener's bug must not stop the others
                if isinstance(err, RetryLater):
                    log.info("listener %s deferred %s: %s", subscription.name, event.topic, err)
                else:
                    log.exception("listener %s failed on %s", subscription.name, event.topic)
                for key in [key for key in session.info if not str(key).startswith(KEPT_ON_ROLLBACK)]:
                    del session.info[key]  # memos kept there may describe work the savepoint undid
                failures.append(ListenerFailure(subscription.name, f"{type(err).__name__}: {err}"))
        return failures
