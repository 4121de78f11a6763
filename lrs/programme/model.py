"""The programme model: frozen dataclasses describing one leadership programme and its cohorts.

A programme is loaded from TOML (config/programmes/*.toml) or JSON (admin API) by
`lrs.programme.loader`; everything here is already validated: ids are unique, references resolve,
session times are timezone-aware (Europe/London by default) and end after they start.
"""

from __future__ import annotations

import calendar
import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/London"


class MoveOn(enum.StrEnum):
    """cmi5 moveOn: what a learner must achieve in a module for it to count as satisfied."""

    PASSED = "Passed"
    COMPLETED = "Completed"
    COMPLETED_AND_PASSED = "CompletedAndPassed"
    COMPLETED_OR_PASSED = "CompletedOrPassed"
    NOT_APPLICABLE = "NotApplicable"


class SessionKind(enum.StrEnum):
    BLOCK_DAY = "block-day"
    RESIDENTIAL = "residential"
    ACADEMY = "academy"
    REVIEW_DAY = "review-day"
    ROUND_TABLE = "round-table"
    COACHING = "coaching"
    PEER_LEARNING = "peer-learning"
    OTHER = "other"


class Sector(enum.StrEnum):
    COUNCIL = "council"
    POLICE = "police"
    NHS = "nhs"
    FIRE = "fire"
    CENTRAL_GOVERNMENT = "central-government"
    OTHER = "other"


_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True)
class CalendarPeriod:
    """A date-only ISO 8601 duration such as "P4W" or "P2M1W": a due date relative to a cohort start."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> CalendarPeriod:
        """Parse PnYnMnWnD (no time part). ValueError when `text` is not such a duration."""
        found = _PERIOD.match(text)
        if found is None or text == "P":
            raise ValueError(f"{text!r} is not a date duration like P4W, P2M or P1Y2M10D")
        years, months, weeks, days = (int(part or 0) for part in found.groups())
        return cls(years=years, months=months, days=weeks * 7 + days)

    def after(self, start: date) -> date:
        """`start` moved on by this period; month ends clamp (31 Jan + P1M = 28/29 Feb)."""
        month_index = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(days=self.days)

    def isoformat(self) -> str:
        weeks, days = divmod(self.days, 7) if self.days % 7 == 0 else (0, self.days)
        parts = [(self.years, "Y"), (self.months, "M"), (weeks, "W"), (days, "D")]
        text = "P" + "".join(f"{value}{unit}" for value, unit in parts if value)
        return text if text != "P" else "P0D"


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    sector: Sector


@dataclass(frozen=True)
class OrganisationList:
    """A named list of organisations, e.g. "local-digital-fund" recipients."""

    id: str
    title: str
    organisations: frozenset[str]


@dataclass(frozen=True)
class Eligibility:
    """Who may enrol. Each non-empty rule admits organisations; an empty rule set admits everyone."""

    organisations: frozenset[str] = frozenset()
    sectors: frozenset[Sector] = frozenset()
    lists: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        return not (self.organisations or self.sectors or self.lists)


@dataclass(frozen=True)
class Cohort:
    id: str
    title: str
    start: date
    end: date
    eligibility: Eligibility = field(default_factory=Eligibility)
    # The Teams channel its weekly update goes to: a name in [connectors.teams_channel.channels]; it
    # wins over the programme's [notifications.cohort_update] teams_channel.
    teams_channel: str | None = None


@dataclass(frozen=True)
class Module:
    """An e-learning module (an xAPI activity, cmi5 AU style)."""

    id: str
    activity_iri: str
    title: str
    move_on: MoveOn = MoveOn.COMPLETED
    mastery_score: float | None = None  # 0..1; a passing scaled score when set
    due: CalendarPeriod | None = None  # relative to the cohort start
    url: str | None = None  # where a learner opens the module (https), for the messages' links
    blocks: tuple[str, ...] = ()

    def due_date(self, cohort: Cohort) -> date | None:
        return self.due.after(cohort.start) if self.due is not None else None


@dataclass(frozen=True)
class OnlineMeeting:
    join_url: str
    organiser: str | None = None  # organiser's work email (a Teams meeting owner)


@dataclass(frozen=True)
class Session:
    """A live session of one cohort. `start`/`end` are aware UTC datetimes (so arithmetic across a clock
    change is right); `local_start`/`local_end` give the wall-clock times in `timezone`."""

    id: str
    cohort: str
    activity_iri: str
    title: str
    kind: SessionKind
    start: datetime
    end: datetime
    timezone: str = DEFAULT_TIMEZONE
    location: str | None = None
    online: OnlineMeeting | None = None
    expected_attendees: tuple[str, ...] | None = None  # None: the whole cohort; else work emails
    blocks: tuple[str, ...] = ()
    catch_up_url: str | None = None  # the recording or material for those who missed it (https)

    @property
    def whole_cohort(self) -> bool:
        return self.expected_attendees is None

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Block:
    """A named group of modules and sessions (e.g. "two-day-block") satisfied when all are done.

    Sessions listed belong to different cohorts; for a learner only their own cohort's count.
    """

    id: str
    title: str
    modules: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()
    activity_iri: str | None = None


@dataclass(frozen=True)
class CompletionRule:
    required_modules: tuple[str, ...] = ()
    min_academy_sessions: int = 0
    review_day_required: bool = False
    required_blocks: tuple[str, ...] = ()
    required_sessions: tuple[str, ...] = ()  # e.g. every round table, for attendance-only programmes

    @property
    def is_default(self) -> bool:
        """No requirement named: then every item is required (every module, every block and every
        session of the learner's cohort that they are expected at)."""
        named = self.required_modules or self.required_blocks or self.required_sessions
        return not (named or self.min_academy_sessions or self.review_day_required)


@dataclass(frozen=True)
class ConfidenceAssessment:
    """Pre- and post-programme self-assessment of digital confidence on a numeric scale."""

    pre_activity_iri: str
    post_activity_iri: str
    scale_min: int = 1
    scale_max: int = 5
    scale_labels: tuple[str, ...] = ()
    required: bool = False  # both assessments needed for completion


@dataclass(frozen=True)
class OffTheJobTraining:
    """Apprenticeship off-the-job training: hours credited per module/session, and the minimum."""

    minimum_hours: float
    module_hours: Mapping[str, float] = field(default_factory=dict)
    session_hours: Mapping[str, float] = field(default_factory=dict)
    session_kind_hours: Mapping[SessionKind, float] = field(default_factory=dict)

    def hours_for_module(self, module_id: str) -> float:
        return self.module_hours.get(module_id, 0.0)

    def hours_for_session(self, session: Session) -> float:
        """Hours from the session itself, else from its kind, else none."""
        if session.id in self.session_hours:
            return self.session_hours[session.id]
        return self.session_kind_hours.get(session.kind, 0.0)


@dataclass(frozen=True)
class Programme:
    id: str
    title: str
    description: str = ""
    url: str | None = None  # the programme's home for learners (https), linked from its messages
    organisations: tuple[Organisation, ...] = ()
    lists: tuple[OrganisationList, ...] = ()
    cohorts: tuple[Cohort, ...] = ()
    modules: tuple[Module, ...] = ()
    sessions: tuple[Session, ...] = ()
    blocks: tuple[Block, ...] = ()
    completion: CompletionRule = field(default_factory=CompletionRule)
    confidence: ConfidenceAssessment | None = None
    off_the_job: OffTheJobTraining | None = None
    # The `[notifications]` table as written (validated at load by notifications.rules.parse_rules).
    notifications: Mapping[str, Any] = field(default_factory=dict)

    def cohort(self, cohort_id: str) -> Cohort:
        return _by_id(self.cohorts, cohort_id, "cohort")

    def module(self, module_id: str) -> Module:
        return _by_id(self.modules, module_id, "module")

    def session(self, session_id: str) -> Session:
        # The projection asks this per session per event: a dict, built once (the instance is frozen).
        found = self._sessions_by_id.get(session_id)
        if found is None:
            raise KeyError(f"no session {session_id!r}")
        return found

    @functools.cached_property
    def _sessions_by_id(self) -> dict[str, Session]:
        return {item.id: item for item in self.sessions}

    def block(self, block_id: str) -> Block:
        return _by_id(self.blocks, block_id, "block")

    def organisation_list(self, list_id: str) -> OrganisationList:
        return _by_id(self.lists, list_id, "organisation list")

    def sessions_of(self, cohort_id: str) -> tuple[Session, ...]:
        return tuple(item for item in self.sessions if item.cohort == cohort_id)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_Item = TypeVar("_Item", bound=_HasId)


def _by_id(items: tuple[_Item, ...], wanted: str, kind: str) -> _Item:
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(f"no {kind} {wanted!r}")
