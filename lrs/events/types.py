"""Typed, frozen events. Each class names its outbox topic; payloads are flat JSON objects.

`to_payload` / `from_payload` convert datetimes to and from ISO 8601 strings; `decode_event` turns an
outbox row back into its event. docs/events.md lists every topic, its payload and when it fires.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, TypeVar

_E = TypeVar("_E", bound="Event")


class PayloadError(ValueError):
    """An outbox payload does not match its topic's event type."""


@dataclass(frozen=True)
class Event:
    topic: ClassVar[str] = ""

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            payload[spec.name] = value.isoformat() if isinstance(value, datetime) else value
        return payload

    @classmethod
    def from_payload(cls: type[_E], payload: Mapping[str, Any]) -> _E:
        hints = _hints(typing.cast(type, cls))
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            if spec.name not in payload:
                if spec.default is not dataclasses.MISSING:
                    continue
                raise PayloadError(f"{cls.topic}: payload lacks {spec.name!r}")
            values[spec.name] = _convert(payload[spec.name], hints[spec.name], f"{cls.topic}.{spec.name}")
        return cls(**values)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(value: Any, hint: Any, where: str) -> Any:
    if value is None:
        if type(None) in typing.get_args(hint):
            return None
        raise PayloadError(f"{where} must not be null")
    wants_datetime = hint is datetime or datetime in typing.get_args(hint)
    if wants_datetime:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as err:
            raise PayloadError(f"{where}: {value!r} is not an ISO 8601 date-time") from err
        if parsed.tzinfo is None:
            raise PayloadError(f"{where}: {value!r} has no time zone")
        return parsed
    return value


# --- written by storage, in the statement's transaction -----------------------------------------


@dataclass(frozen=True)
class StatementStored(Event):
    topic: ClassVar[str] = "statement.stored"
    statement_id: str
    pk: int
    verb: str
    object_id: str | None = None
    registration: str | None = None
    # The actor's `persons` row; None for an anonymous Group, and in events from earlier releases.
    actor_person: int | None = None


@dataclass(frozen=True)
class StatementVoided(Event):
    topic: ClassVar[str] = "statement.voided"
    statement_id: str
    voided_by: str


# --- programme and progress events, for the notifications engine ---------------------------------


@dataclass(frozen=True)
class ProgrammeSaved(Event):
    """A programme definition was created or changed (file load or admin API)."""

    topic: ClassVar[str] = "programme.saved"
    programme_id: str
    version: int


@dataclass(frozen=True)
class LearnerEnrolled(Event):
    topic: ClassVar[str] = "learner.enrolled"
    programme_id: str
    cohort_id: str
    learner_id: int  # learners.id (lrs.storage.programme_models.LearnerRow)


@dataclass(frozen=True)
class LearnerWithdrawn(Event):
    topic: ClassVar[str] = "learner.withdrawn"
    programme_id: str
    cohort_id: str
    learner_id: int


@dataclass(frozen=True)
class ModuleStarted(Event):
    topic: ClassVar[str] = "module.started"
    programme_id: str
    cohort_id: str
    learner_id: int
    module_id: str
    at: datetime


@dataclass(frozen=True)
class ModuleCompleted(Event):
    topic: ClassVar[str] = "module.completed"
    programme_id: str
    cohort_id: str
    learner_id: int
    module_id: str
    status: str  # completed | passed | failed: the module's status when it was first finished
    at: datetime


@dataclass(frozen=True)
class ModuleSatisfied(Event):
    topic: ClassVar[str] = "module.satisfied"
    programme_id: str
    cohort_id: str
    learner_id: int
    module_id: str
    at: datetime


@dataclass(frozen=True)
class BlockSatisfied(Event):
    topic: ClassVar[str] = "block.satisfied"
    programme_id: str
    cohort_id: str
    learner_id: int
    block_id: str
    at: datetime


@dataclass(frozen=True)
class SessionAttended(Event):
    topic: ClassVar[str] = "session.attended"
    programme_id: str
    cohort_id: str
    learner_id: int
    session_id: str
    at: datetime


@dataclass(frozen=True)
class SessionMissed(Event):
    topic: ClassVar[str] = "session.missed"
    programme_id: str
    cohort_id: str
    learner_id: int
    session_id: str
    session_end: datetime
    marked_absent: bool  # True when a register marked the learner absent, False for no record at all


@dataclass(frozen=True)
class ProgrammeCompleted(Event):
    topic: ClassVar[str] = "programme.completed"
    programme_id: str
    cohort_id: str
    learner_id: int
    at: datetime


@dataclass(frozen=True)
class LearnerInactive(Event):
    topic: ClassVar[str] = "learner.inactive"
    programme_id: str
    cohort_id: str
    learner_id: int
    last_activity_at: datetime
    inactive_days: int


# --- durable timers coming due (lrs.events.timers moves them into the outbox) ---------------------


@dataclass(frozen=True)
class SessionEnded(Event):
    topic: ClassVar[str] = "timer.session_ended"
    programme_id: str
    cohort_id: str
    session_id: str
    ended_at: datetime


@dataclass(frozen=True)
class InactivityDue(Event):
    topic: ClassVar[str] = "timer.inactivity_due"
    programme_id: str
    cohort_id: str
    learner_id: int
    since: datetime  # the last activity (or cohort start) the timer was set from


@dataclass(frozen=True)
class RetentionDue(Event):
    """Once a day: erase the learners whose cohorts all ended longer ago than the retention period."""

    topic: ClassVar[str] = "timer.retention_due"
    due_at: datetime


EVENT_TYPES: tuple[type[Event], ...] = (
    StatementStored,
    StatementVoided,
    ProgrammeSaved,
    LearnerEnrolled,
    LearnerWithdrawn,
    ModuleStarted,
    ModuleCompleted,
    ModuleSatisfied,
    BlockSatisfied,
    SessionAttended,
    SessionMissed,
    ProgrammeCompleted,
    LearnerInactive,
    SessionEnded,
    InactivityDue,
    RetentionDue,
)


def event_type(topic: str) -> type[Event] | None:
    for candidate in EVENT_TYPES:
        if candidate.topic == topic:
            return candidate
    return None


def decode_event(topic: str, payload: Mapping[str, Any]) -> Event | None:
    """The typed event for an outbox row; None for a topic this version does not know."""
    kind = event_type(topic)
    return None if kind is None else kind.from_payload(payload)
