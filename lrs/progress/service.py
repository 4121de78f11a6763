"""Progress listeners: keep the projection up to date from outbox events, inside the worker's transaction.

For every event that concerns a learner the whole cohort projection of that learner is recomputed from
all their statements (under the learner's lock), compared with the stored rows, and the difference is
written together with its transition events, satisfied statements and re-armed inactivity timer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.errors import NotFound
from lrs.events.bus import EventBus, Unsubscribe
from lrs.events.timers import arm_timer
from lrs.events.types import (
    Event,
    InactivityDue,
    LearnerEnrolled,
    LearnerInactive,
    LearnerWithdrawn,
    ProgrammeSaved,
    SessionEnded,
    StatementStored,
    StatementVoided,
)
from lrs.programme.model import Programme
from lrs.programme.queries import (
    cohort_roster,
    enrolments_of,
    enrolments_of_person,
    learner_by_ifi,
    learner_ifis,
)
from lrs.programme.records import Enrolment
from lrs.programme.store import stored_programme
from lrs.progress import verbs
from lrs.progress.observations import Observation
from lrs.progress.projection import LearnerScope, cohort_start, latest_observation, learner_progress
from lrs.progress.satisfied import SatisfiedItem, block_iri, issue_satisfied, preferred_ifi, programme_iri
from lrs.progress.store import (
    drop_projection,
    learner_observations,
    load_records,
    lock_learner,
    save_confidence,
    save_records,
    set_last_activity,
)
from lrs.progress.transitions import Owner, transition_events
from lrs.storage.models import Statement
from lrs.storage.outbox import append_events
from lrs.storage.statements import hydrate_bodies
from lrs.xapi.agents import agent_ifi


@dataclass(frozen=True)
class ProgressOptions:
    base_url: str
    inactive_after_days: int = 14


class ProgressProjector:
    def __init__(self, options: ProgressOptions, *, clock: Clock) -> None:
        self.options = options
        self.clock = clock

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        handles = [
            bus.subscribe(StatementStored, self.on_statement_stored, name="progress.statement_stored"),
            bus.subscribe(StatementVoided, self.on_statement_voided, name="progress.statement_voided"),
            bus.subscribe(LearnerEnrolled, self.on_learner_enrolled, name="progress.learner_enrolled"),
            bus.subscribe(LearnerWithdrawn, self.on_learner_withdrawn, name="progress.learner_withdrawn"),
            bus.subscribe(ProgrammeSaved, self.on_programme_saved, name="progress.programme_saved"),
            bus.subscribe(SessionEnded, self.on_session_ended, name="progress.session_ended"),
            bus.subscribe(InactivityDue, self.on_inactivity_due, name="progress.inactivity_due"),
        ]

        def unsubscribe() -> None:
            for handle in handles:
                handle()

        return unsubscribe

    async def on_statement_stored(self, event: StatementStored, session: AsyncSession) -> None:
        if event.verb in (verbs.SATISFIED, verbs.VOIDED) or event.object_id is None:
            return  # our own output, and voiding (handled through statement.voided)
        if event.actor_person is None:  # an anonymous Group, or an event from an earlier release
            await self._refresh_actor_of(session, event.statement_id, event.object_id)
            return
        enrolments = await enrolments_of_person(session, event.actor_person)
        await self._refresh_enrolments(session, enrolments, event.object_id, event.statement_id)

    async def on_statement_voided(self, event: StatementVoided, session: AsyncSession) -> None:
        await self._refresh_actor_of(session, event.statement_id, None)

    async def on_programme_saved(self, event: ProgrammeSaved, session: AsyncSession) -> None:
        await arm_session_timers(session, await stored_programme(session, event.programme_id))

    async def on_learner_enrolled(self, event: LearnerEnrolled, session: AsyncSession) -> None:
        programme = await stored_programme(session, event.programme_id)
        await arm_session_timers(session, programme)
        await self.refresh(session, event.learner_id, programme, event.cohort_id, publish=True)

    async def on_learner_withdrawn(self, event: LearnerWithdrawn, session: AsyncSession) -> None:
        await lock_learner(session, event.learner_id, event.programme_id, event.cohort_id)
        if await _enrolled_in(session, event.learner_id, event.cohort_id):
            return  # enrolled again before this event was handled
        await drop_projection(session, event.learner_id, event.programme_id, event.cohort_id)
        _seen_by_refresh(session).pop((event.learner_id, event.cohort_id), None)

    async def on_session_ended(self, event: SessionEnded, session: AsyncSession) -> None:
        programme = await stored_programme(session, event.programme_id)
        current = [item for item in programme.sessions if item.id == event.session_id]
        if current and current[0].end > self.clock():
            await arm_session_timers(session, programme)  # the session was moved later
            return
        for entry in await cohort_roster(session, event.cohort_id):
            if entry.status == "enrolled":
                await self.refresh(session, entry.learner.id, programme, event.cohort_id, publish=True)

    async def on_inactivity_due(self, event: InactivityDue, session: AsyncSession) -> None:
        learner = await lock_learner(session, event.learner_id, event.programme_id, event.cohort_id)
        if not await _enrolled_in(session, event.learner_id, event.cohort_id):
            return  # withdrawn: nobody to chase
        programme = await stored_programme(session, event.programme_id)
        cohort = programme.cohort(event.cohort_id)
        records = await load_records(session, event.learner_id, event.programme_id, event.cohort_id)
        finished = records.get(("programme", programme.id))
        since = learner.last_activity_at or cohort_start(cohort)
        if since != event.since or (finished is not None and finished.completed_at is not None):
            return  # activity since the timer was set, or nothing left to chase
        if self.clock().date() > cohort.end:
            return
        inactive = LearnerInactive(
            event.programme_id, event.cohort_id, event.learner_id, since, self.options.inactive_after_days
        )
        await append_events(session, [(inactive.topic, inactive.to_payload())], now=self.clock())

    async def refresh(
        self, session: AsyncSession, learner_id: int, programme: Programme, cohort_id: str, *, publish: bool
    ) -> None:
        """Recompute one learner's projection in one cohort and apply the difference."""
        learner = await lock_learner(session, learner_id, programme.id, cohort_id)
        ifis = await learner_ifis(session, learner_id)
        if not ifis:
            return
        now = self.clock()
        observations = await learner_observations(session, ifis, programme_activity_iris(programme))
        scope = LearnerScope(programme, programme.cohort(cohort_id), _emails(ifis), now)
        new = learner_progress(scope, observations)
        old = await load_records(session, learner_id, programme.id, cohort_id)
        owner = Owner(learner_id, programme.id, cohort_id)
        await save_records(session, learner_id, programme.id, cohort_id, old, new)
        await self._save_confidence(session, owner, programme, observations)
        newly_satisfied = [
            SatisfiedItem(item, self._activity_iri(programme, item.kind, item.item_id))
            for item in new
            if item.satisfied_at is not None and item.kind != "session"
            if (old_item := old.get((item.kind, item.item_id))) is None or old_item.satisfied_at is None
        ]
        await issue_satisfied(
            session, owner, preferred_ifi(ifis), newly_satisfied, base_url=self.options.base_url, now=now
        )
        if publish:
            events: list[Event] = list(transition_events(owner, old, new))
            await append_events(session, [(item.topic, item.to_payload()) for item in events], now=now)
        last = max((o.timestamp for o in observations), default=None)
        if last != learner.last_activity_at or not old:
            await set_last_activity(session, learner, last)
            await self._arm_inactivity(session, owner, last or cohort_start(scope.cohort))
        observed = frozenset(o.statement_id for o in observations)
        _seen_by_refresh(session)[(learner_id, cohort_id)] = (programme, observed)

    async def _save_confidence(
        self, session: AsyncSession, owner: Owner, programme: Programme, observations: list[Observation]
    ) -> None:
        if programme.confidence is None:
            return
        answers = {
            phase: latest_observation(
                [o for o in observations if o.object_id == iri and o.verb != verbs.SATISFIED]
            )
            for phase, iri in (
                ("pre", programme.confidence.pre_activity_iri),
                ("post", programme.confidence.post_activity_iri),
            )
        }
        await save_confidence(session, owner.learner_id, owner.programme_id, owner.cohort_id, answers)

    async def _arm_inactivity(self, session: AsyncSession, owner: Owner, since: datetime) -> None:
        due = since + timedelta(days=self.options.inactive_after_days)
        timer = InactivityDue(owner.programme_id, owner.cohort_id, owner.learner_id, since)
        key = f"inactive:{owner.programme_id}:{owner.cohort_id}:{owner.learner_id}"
        await arm_timer(session, key, timer, due)

    def _activity_iri(self, programme: Programme, kind: str, item_id: str) -> str:
        if kind == "module":
            return programme.module(item_id).activity_iri
        if kind == "block":
            block = programme.block(item_id)
            return block.activity_iri or block_iri(self.options.base_url, programme.id, item_id)
        return programme_iri(self.options.base_url, programme.id)

    async def _refresh_actor_of(
        self, session: AsyncSession, statement_id: str, object_id: str | None
    ) -> None:
        body = await session.scalar(select(Statement.body).where(Statement.statement_id == statement_id))
        if body is None:
            return
        statement = (await hydrate_bodies(session, {statement_id: json.loads(body)}))[statement_id]
        ifi = agent_ifi(statement.get("actor") or {})
        learner = None if ifi is None else await learner_by_ifi(session, ifi)
        if learner is None:
            return
        target = object_id or (statement.get("object") or {}).get("id")
        await self._refresh_enrolments(session, await enrolments_of(session, learner.id), target)

    async def _refresh_enrolments(
        self,
        session: AsyncSession,
        enrolments: list[Enrolment],
        target: str | None,
        statement_id: str | None = None,
    ) -> None:
        """Refresh the learner in each cohort they are enrolled in whose programme uses `target`,
        unless a refresh earlier in this transaction already saw `statement_id`."""
        for enrolment in enrolments:
            if enrolment.status != "enrolled":
                continue
            try:
                programme = await stored_programme(session, enrolment.programme_id)
            except NotFound:
                continue
            if target not in programme_activity_iris(programme):
                continue
            seen = _seen_by_refresh(session).get((enrolment.learner_id, enrolment.cohort_id))
            if statement_id is not None and seen and seen[0] is programme and statement_id in seen[1]:
                continue  # same programme, same statements: the refresh would change nothing
            await self.refresh(session, enrolment.learner_id, programme, enrolment.cohort_id, publish=True)


# The statements each learner's last refresh in this transaction saw, by (learner, cohort), with the
# programme it ran against. An outbox group handles many events in one transaction, often several from
# one learner's burst of statements, all committed before the group began: the first refresh sees them
# all, and the others can be skipped. Kept in `session.info`, which the event bus clears whenever it
# rolls a listener back, so it never vouches for undone work.
_SEEN_KEY = "progress.seen_by_refresh"
Seen = dict[tuple[int, str], tuple[Programme, frozenset[str]]]


def _seen_by_refresh(session: AsyncSession) -> Seen:
    seen: Seen = session.info.setdefault(_SEEN_KEY, {})
    return seen


def programme_activity_iris(programme: Programme) -> set[str]:
    iris = {m.activity_iri for m in programme.modules} | {s.activity_iri for s in programme.sessions}
    if programme.confidence is not None:
        iris |= {programme.confidence.pre_activity_iri, programme.confidence.post_activity_iri}
    return iris


async def arm_session_timers(session: AsyncSession, programme: Programme) -> None:
    """One durable timer per session end (re-arming with the same end changes nothing)."""
    for item in programme.sessions:
        timer = SessionEnded(programme.id, item.cohort, item.id, item.end)
        await arm_timer(session, f"session-end:{programme.id}:{item.id}", timer, item.end)


async def _enrolled_in(session: AsyncSession, learner_id: int, cohort_id: str) -> bool:
    return any(
        item.cohort_id == cohort_id and item.status == "enrolled"
        for item in await enrolments_of(session, learner_id)
    )


def _emails(ifis: list[str]) -> frozenset[str]:
    return frozenset(
        ifi.removeprefix("mbox:mailto:").lower() for ifi in ifis if ifi.startswith("mbox:mailto:")
    )
