"""Progress listeners: keep the projection up to date from outbox events, inside the worker's transaction.

For every event that concerns a learner the whole cohort projection of that learner is recomputed from
all their statements (under the learner's lock), compared with the stored rows, and the difference is
written together with its transition events, satisfied statements and re-armed inactivity timer.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.errors import NotFound
from lrs.events.bus import EventBus, Unsubscribe
from lrs.events.timers import arm_timer
from lrs.events.types import (
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
from lrs.programme.queries import cohort_roster, enrolments_of, enrolments_of_person, learner_by_ifi
from lrs.programme.records import Enrolment
from lrs.programme.store import stored_programme
from lrs.progress import verbs
from lrs.progress.inputs import Enrolled, enrolled_in_programme, programme_activity_iris, programme_inputs
from lrs.progress.projection import inactivity_since
from lrs.progress.reproject import Applied, ProgressOptions, apply_inputs
from lrs.progress.satisfied import ensure_shared_activities
from lrs.progress.store import drop_projection, load_records, lock_learner
from lrs.storage.models import Statement
from lrs.storage.outbox import append_events
from lrs.storage.statements import hydrate_bodies
from lrs.xapi.agents import agent_ifi

__all__ = ["ProgressOptions", "ProgressProjector", "arm_session_timers", "programme_activity_iris"]


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
        if event.verb in verbs.NOT_READ or event.object_id is None:
            return  # our own output, and voiding (handled through statement.voided)
        if event.actor_person is None:  # an anonymous Group, or an event from an earlier release
            await self._refresh_actor_of(session, event.statement_id, event.object_id)
            return
        enrolments = await enrolments_of_person(session, event.actor_person)
        await self._refresh_enrolments(session, enrolments, event.object_id, event.statement_id)

    async def on_statement_voided(self, event: StatementVoided, session: AsyncSession) -> None:
        await self._refresh_actor_of(session, event.statement_id, None)

    async def on_programme_saved(self, event: ProgrammeSaved, session: AsyncSession) -> None:
        """Re-arm the session timers and re-project every enrolled learner against the new definition
        (in bulk), so the live projection equals a rebuild after any accepted change."""
        programme = await stored_programme(session, event.programme_id)
        await arm_session_timers(session, programme)
        await ensure_shared_activities(session, programme, self.options.base_url)
        await self.reproject(session, programme, await enrolled_in_programme(session, programme.id))

    async def on_learner_enrolled(self, event: LearnerEnrolled, session: AsyncSession) -> None:
        programme = await stored_programme(session, event.programme_id)
        await arm_session_timers(session, programme)
        await self.refresh(session, event.learner_id, programme, event.cohort_id, publish=True)

    async def on_learner_withdrawn(self, event: LearnerWithdrawn, session: AsyncSession) -> None:
        await lock_learner(session, event.learner_id, event.programme_id, event.cohort_id)
        if await enrolled_in_programme(session, event.programme_id, event.learner_id, event.cohort_id):
            return  # enrolled again before this event was handled
        await drop_projection(session, event.learner_id, event.programme_id, event.cohort_id)
        _seen_by_refresh(session).pop((event.learner_id, event.cohort_id), None)

    async def on_session_ended(self, event: SessionEnded, session: AsyncSession) -> None:
        programme = await stored_programme(session, event.programme_id)
        current = [item for item in programme.sessions if item.id == event.session_id]
        if current and current[0].end > self.clock():
            await arm_session_timers(session, programme)  # the session was moved later
            return
        roster = await cohort_roster(session, event.cohort_id)
        for learner_id in sorted(entry.learner.id for entry in roster if entry.status == "enrolled"):
            await self.refresh(session, learner_id, programme, event.cohort_id, publish=True)

    async def on_inactivity_due(self, event: InactivityDue, session: AsyncSession) -> None:
        learner = await lock_learner(session, event.learner_id, event.programme_id, event.cohort_id)
        enrolled = await enrolled_in_programme(session, event.programme_id, event.learner_id, event.cohort_id)
        if not enrolled:
            return  # withdrawn: nobody to chase
        programme = await stored_programme(session, event.programme_id)
        cohort = programme.cohort(event.cohort_id)
        records = await load_records(session, event.learner_id, event.programme_id, event.cohort_id)
        finished = records.get(("programme", programme.id))
        since = inactivity_since(cohort, enrolled[0].enrolled_at, learner.last_activity_at)
        if since != event.since or (finished is not None and finished.completed_at is not None):
            return  # activity (or the enrolment) since the timer was set, or nothing left to chase
        if (
            self.clock().date() > cohort.end
            or since + timedelta(days=self.options.inactive_after_days) > self.clock()
        ):
            return
        inactive = LearnerInactive(
            event.programme_id, event.cohort_id, event.learner_id, since, self.options.inactive_after_days
        )
        await append_events(session, [(inactive.topic, inactive.to_payload())], now=self.clock())

    async def refresh(
        self,
        session: AsyncSession,
        learner_id: int,
        programme: Programme,
        cohort_id: str,
        *,
        publish: bool,
        reconcile_all: bool = False,
    ) -> None:
        """Recompute one learner's projection in one cohort and apply the difference."""
        enrolled = await enrolled_in_programme(session, programme.id, learner_id, cohort_id)
        await self.reproject(session, programme, enrolled, publish=publish, reconcile_all=reconcile_all)

    async def reproject(
        self,
        session: AsyncSession,
        programme: Programme,
        enrolments: list[Enrolled],
        *,
        publish: bool = True,
        reconcile_all: bool = False,
    ) -> None:
        """Recompute these enrolments' projections (inputs loaded in bulk) and apply the differences."""
        now = self.clock()
        for inputs in await programme_inputs(session, programme, enrolments):
            applied = await apply_inputs(
                session,
                self.options,
                programme,
                inputs,
                now=now,
                publish=publish,
                reconcile_all=reconcile_all,
            )
            key = (inputs.enrolment.learner_id, inputs.enrolment.cohort_id)
            _seen_by_refresh(session)[key] = applied

    async def _refresh_actor_of(
        self, session: AsyncSession, statement_id: str, object_id: str | None
    ) -> None:
        body = await session.scalar(select(Statement.body).where(Statement.statement_id == statement_id))
        if body is None:
            return
        statement = (await hydrate_bodies(session, {statement_id: json.loads(body)}))[statement_id]
        if (statement.get("verb") or {}).get("id") in verbs.NOT_READ:
            return  # the LRS voiding its own satisfied statement: nothing the projection reads
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
            if (
                statement_id is not None
                and seen
                and seen.programme is programme
                and statement_id in seen.observed
            ):
                continue  # same programme, same statements: the refresh would change nothing
            await self.refresh(session, enrolment.learner_id, programme, enrolment.cohort_id, publish=True)


# The statements each learner's last refresh in this transaction saw, by (learner, cohort), with the
# programme it ran against. An outbox group handles many events in one transaction, often several from
# one learner's burst of statements, all committed before the group began: the first refresh sees them
# all, and the others can be skipped. Kept in `session.info`, which the event bus clears whenever it
# rolls a listener back, so it never vouches for undone work.
_SEEN_KEY = "progress.seen_by_refresh"
Seen = dict[tuple[int, str], Applied]


def _seen_by_refresh(session: AsyncSession) -> Seen:
    seen: Seen = session.info.setdefault(_SEEN_KEY, {})
    return seen


async def arm_session_timers(session: AsyncSession, programme: Programme) -> None:
    """One durable timer per session end (re-arming with the same end changes nothing)."""
    for item in programme.sessions:
        timer = SessionEnded(programme.id, item.cohort, item.id, item.end)
        await arm_timer(session, f"session-end:{programme.id}:{item.id}", timer, item.end)
