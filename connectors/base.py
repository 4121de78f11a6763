"""The one small interface every delivery channel implements.

The notifications engine hands a connector a `RenderedMessage` (already rendered, carrying an
idempotency key) and gets back a `DeliveryResult` it can log, retry or dead-letter.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


class DeliveryStatus(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # transient: try again, no sooner than `retry_after` seconds
    PERMANENT_FAILURE = "permanent_failure"  # dead-letter; do not retry


@dataclass(frozen=True)
class Recipient:
    email: str
    display_name: str = ""
    entra_user_id: str | None = None  # filled by lookup when unknown


@dataclass(frozen=True)
class CalendarInvite:
    """A meeting invitation (review day, academy session) for calendar-capable channels."""

    uid: str  # stable across updates and cancellation
    sequence: int  # increases with every update
    title: str
    description: str
    start: datetime  # timezone-aware
    end: datetime  # timezone-aware
    timezone: str = "Europe/London"
    location: str = ""
    organizer_email: str = ""
    organizer_name: str = ""
    attendees: Sequence[Recipient] = ()
    online_meeting: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class RenderedMessage:
    idempotency_key: str  # the same key is never delivered twice by a connector that can dedupe
    recipient: Recipient
    subject: str
    text: str
    html: str | None = None
    deep_link: str | None = None
    card: Mapping[str, Any] | None = None  # Adaptive Card JSON for Teams-like channels
    invite: CalendarInvite | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    status: DeliveryStatus
    provider_id: str | None = None  # the provider's message/notification id
    retry_after: float | None = None  # seconds, for RETRY
    detail: str = ""
    address_invalid: bool = False  # a bounce/permanent failure tied to the address itself

    @classmethod
    def delivered(cls, provider_id: str | None, detail: str = "") -> DeliveryResult:
        return cls(DeliveryStatus.DELIVERED, provider_id=provider_id, detail=detail)

    @classmethod
    def retry(cls, retry_after: float | None, detail: str) -> DeliveryResult:
        return cls(DeliveryStatus.RETRY, retry_after=retry_after, detail=detail)

    @classmethod
    def failed(cls, detail: str, *, address_invalid: bool = False) -> DeliveryResult:
        return cls(DeliveryStatus.PERMANENT_FAILURE, detail=detail, address_invalid=address_invalid)


@dataclass(frozen=True)
class CheckResult:
    channel: str
    ok: bool
    detail: str


@runtime_checkable
class Connector(Protocol):
    """A delivery channel. Implementations own their HTTP/SMTP sessions; call `close()` when done."""

    channel: str

    async def send(self, message: RenderedMessage) -> DeliveryResult: ...

    async def check(self) -> CheckResult: ...

    async def close(self) -> None: ...


class SuppressionList(Protocol):
    """Addresses that bounced or failed permanently; connectors never send to them again."""

    async def is_suppressed(self, address: str) -> bool: ...

    async def suppress(self, address: str, reason: str) -> None: ...


class MemorySuppressionList:
    """In-process suppression list (tests, single-shot CLI runs); the LRS provides a durable one."""

    def __init__(self) -> None:
        self._reasons: dict[str, str] = {}

    async def is_suppressed(self, address: str) -> bool:
        return address.strip().lower() in self._reasons

    async def suppress(self, address: str, reason: str) -> None:
        self._reasons[address.strip().lower()] = reason


@dataclass(frozen=True)
class AttendanceRecord:
    """One attendee of an online meeting, as the provider reports it (plain data for the LRS)."""

    meeting_id: str
    email: str
    display_name: str
    role: str  # Organizer / Presenter / Attendee
    total_seconds: int
    first_join: datetime | None
    last_leave: datetime | None


@dataclass(frozen=True)
class InviteResponse:
    """An attendee's answer to a calendar invitation."""

    event_id: str
    email: str
    response: str  # accepted / declined / tentativelyAccepted / none
    responded_at: datetime | None
