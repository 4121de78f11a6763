"""Progress listeners: keep the projection up to date from outbox events, inside the worker's transaction.

New statements are group listeners: a consumer group's `statement.stored` events are projected
set-wise and incrementally (lrs.progress.incremental: each statement folded into the stored facts of
the items it is about). What the facts cannot absorb is recomputed in full from all the learner's
statements, in bulk: enrolments, voided statements, definition changes, session ends, and state
from before facts were kept. Either way the difference is written with its transition events,
satisfied statements and re-armed inactivity timer, under the learners' locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.clock import Clock
from lrs.errors import NotFound
from lrs.events.bus import EventBus, Unsubscribe
from lrs.events.timers import arm_timers
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
from lrs.programme.store import stored_programme
from lrs.progress import verbs
from lrs.progress.incremental import Target, fold_statements
from lrs.progress.inputs import Enrolled, enrolled_in_programme, programme_activity_iris, programme_inputs
from lrs.progress.observations import Observation
from lrs.progress.projection import inactivity_since
from lrs.progress.reproject import ProgressOptions, flush_writes, plan_inputs
from lrs.progress.satisfied import ensure_shared_activities
from lrs.progress.state import StateWrites
from lrs.progress.store import LearnerKey, drop_projection, load_records, lock_learner
from lrs.progress.targets import actor_targets, statement_targets
from lrs.storage.outbox import append_events

__all__ = ["ProgressOptions", "ProgressProjector", "arm_session_timers", "programme_activity_iris"]


class ProgressProjector:
    def __init__(self, options: ProgressOptions, *, clock: Clock) -> None:
        self.options = options
        self.clock = clock

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        handles = [
            bus.subscribe_group(StatementStored, self.on_statements_stored, name="progress.statement_stored"),
            bus.subscribe_group(StatementVoided, self.on_statements_voided, name="progress.statement_voided"),
            bus.subscribe_group(LearnerEnrolled, self.on_learners_enrolled, name="progress.learner_enrolled"),
            bus.subscribe(LearnerWithdrawn, self.on_learner_withdrawn, name="progress.learner_withdrawn"),
            bus.subscribe(ProgrammeSaved, self.on_programme_saved, name="progress.programme_saved"),
            bus.subscribe_group(SessionEnded, self.on_sessions_ended, name="progress.session_ended"),
            bus.subscribe(InactivityDue, self.on_inactivity_due, name="progress.inactivity_due"),
        ]

        def unsubscribe() -> None:
            for handle in handles:
                handle()

        return unsubscribe

    async def on_statements_stored(self, events: list[StatementStored], session: AsyncSession) -> None:
        """Fold the group's statements into their enrolments' stored state (lrs.progress.incremental);
        recompute in full, in bulk, those whose state cannot be folded into."""
        read = [e for e in events if e.verb not in verbs.NOT_READ and e.object_id is not None]
        # Events from an earlier release do not name the actor's person: find it from the statement.
        unnamed = [(e.statement_id, e.object_id) for e in read if e.actor_person is None]
        targets = await statement_targets(session, [e for e in read if e.actor_person is not None])
        folded = await fold_statements(session, self.options, targets, now=self.clock())
        await self.recompute(
            session, [*await actor_targets(session, unnamed), *(t.key for t in folded.recompute)]
        )

    async def on_statements_voided(self, events: list[StatementVoided], session: AsyncSession) -> None:
        """A voided statement leaves the facts: recompute its actor's enrolments in full, in bulk."""
        await self.recompute(session, await actor_targets(session, [(e.statement_id, None) for e in events]))

    async def on_learners_enrolled(self, events: list[LearnerEnrolled], session: AsyncSession) -> None:
        for programme_id in sorted({event.programme_id for event in events}):
            await arm_session_timers(session, await stored_programme(session, programme_id))
        await self.recompute(session, [(e.learner_id, e.programme_id, e.cohort_id) for e in events])

    async def on_programme_saved(self, event: ProgrammeSaved, session: AsyncSession) -> None:
        """Re-arm the session timers and re-project every enrolled learner against the new definition
        (in bulk), so the live projection equals a rebuild after any accepted change."""
        programme = await stored_programme(session, event.programme_id)
        await arm_session_timers(session, programme)
        await ensure_shared_activities(session, programme, self.options.base_url)
        await self.reproject(session, programme, await enrolled_in_programme(session, programme.id))

    async def on_learner_withdrawn(self, event: LearnerWithdrawn, session: AsyncSession) -> None:
        await lock_learner(session, event.learner_id, event.programme_id, event.cohort_id)
        if await enrolled_in_programme(session, event.programme_id, event.learner_id, event.cohort_id):
            return  # enrolled again before this event was handled
        await drop_projection(session, event.learner_id, event.programme_id, event.cohort_id)

    async def on_sessions_ended(self, events: list[SessionEnded], session: AsyncSession) -> None:
        """A session's end changes only its rows (absent, for those who did not come): every enrolled
        learner of the cohort is re-derived from their stored facts at `now`, set-wise, without
        re-reading a statement (lrs.progress.incremental)."""
        targets: dict[LearnerKey, tuple[Target, list[Observation]]] = {}
        for programme_id, cohort_id in sorted({(e.programme_id, e.cohort_id) for e in events}):
            programme = await stored_programme(session, programme_id)
            ended = {
                e.session_id for e in events if (e.programme_id, e.cohort_id) == (programme_id, cohort_id)
            }
            moved = [item for item in programme.sessions if item.id in ended and item.end > self.clock()]
            if moved:
                await arm_session_timers(session, programme)  # a session was moved later
            if len(moved) == len(ended):
                continue
            for enrolment in await enrolled_in_programme(session, programme_id):
                if enrolment.cohort_id == cohort_id:
                    key = (enrolment.learner_id, programme_id, cohort_id)
                    targets[key] = (Target(key, enrolment, programme), [])
        folded = await fold_statements(session, self.options, targets, now=self.clock())
        await self.recompute(session, [target.key for target in folded.recompute])

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

    async def recompute(self, session: AsyncSession, keys: Sequence[LearnerKey]) -> None:
        """Recompute these enrolments in full (those still current), one bulk pass per programme."""
        by_programme: dict[str, set[tuple[int, str]]] = {}
        for learner_id, programme_id, cohort_id in keys:
            by_programme.setdefault(programme_id, set()).add((learner_id, cohort_id))
        for programme_id, wanted in sorted(by_programme.items()):
            try:
                programme = await stored_programme(session, programme_id)
            except NotFound:
                continue
            learners = sorted({learner_id for learner_id, _ in wanted})
            enrolled = await enrolled_in_programme(session, programme_id, learner_ids=learners)
            await self.reproject(
                session, programme, [e for e in enrolled if (e.learner_id, e.cohort_id) in wanted]
            )

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
        now, writes = self.clock(), StateWrites()
        for inputs in await programme_inputs(session, programme, enrolments):
            plan_inputs(self.options, programme, inputs, writes, now=now, reconcile_all=reconcile_all)
        await flush_writes(session, self.options, writes, now=now, publish=publish)


async def arm_session_timers(session: AsyncSession, programme: Programme) -> None:
    """One durable timer per session end (re-arming with the same end changes nothing), in two
    statements whatever the number of sessions."""
    await arm_timers(
        session,
        [
            (
                f"session-end:{programme.id}:{item.id}",
                SessionEnded(programme.id, item.cohort, item.id, item.end),
                item.end,
            )
            for item in programme.sessions
        ],
    )
