"""Pure projection: one learner's status in every item of their cohort, from all their observations.

Every value is a function of the *set* of non-voided statements (and of whether sessions have ended),
never of arrival order, so replays, out-of-order delivery, voiding and `lrs progress rebuild` all give
the same rows. Statuses: not_started, in_progress, completed, passed, failed, attended, absent, waived.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from lrs.programme.model import Block, Cohort, Module, Programme, Session, SessionKind
from lrs.progress import verbs
from lrs.progress.cmi5 import evaluate_module, module_status
from lrs.progress.observations import Observation

MODULE, SESSION, BLOCK, PROGRAMME = "module", "session", "block", "programme"


@dataclass(frozen=True)
class ItemProgress:
    kind: str
    item_id: str
    status: str
    first_activity_at: datetime | None = None
    last_activity_at: datetime | None = None
    completed_at: datetime | None = None
    satisfied_at: datetime | None = None  # module/block: moveOn met; programme: completion rule met
    score_scaled: float | None = None
    time_spent_ms: int = 0


@dataclass(frozen=True)
class LearnerScope:
    programme: Programme
    cohort: Cohort
    emails: frozenset[str]  # the learner's lower-cased e-mail addresses (session invitations)
    now: datetime


def cohort_start(cohort: Cohort) -> datetime:
    return datetime.combine(cohort.start, time(), UTC)


def inactivity_since(cohort: Cohort, enrolled_at: datetime, last_activity_at: datetime | None) -> datetime:
    """Inactivity counts from the latest of the cohort start, the enrolment and the last activity."""
    moments = [cohort_start(cohort), enrolled_at]
    return max(moments if last_activity_at is None else [*moments, last_activity_at])


def learner_progress(scope: LearnerScope, observations: Iterable[Observation]) -> list[ItemProgress]:
    by_object: dict[str, list[Observation]] = defaultdict(list)
    for item in observations:
        if item.verb not in verbs.NOT_READ:
            by_object[item.object_id].append(item)
    start = cohort_start(scope.cohort)
    modules = {
        m.id: module_progress(m, by_object.get(m.activity_iri, []), start) for m in scope.programme.modules
    }
    sessions = {
        s.id: session_progress(s, by_object.get(s.activity_iri, []), scope.now)
        for s in scope.programme.sessions_of(scope.cohort.id)
        if s.expected_attendees is None or scope.emails & {e.lower() for e in s.expected_attendees}
    }
    blocks = {
        b.id: result
        for b in scope.programme.blocks
        if (result := block_progress(b, modules, sessions)) is not None
    }
    confidence = confidence_times(scope.programme, by_object)
    programme = programme_progress(scope.programme, modules, sessions, blocks, confidence)
    return [*modules.values(), *sessions.values(), *blocks.values(), programme]


def last_activity(observations: Iterable[Observation]) -> datetime | None:
    """The time of the learner's latest activity (see `verbs.NOT_ACTIVITY` for what is not)."""
    return max((item.timestamp for item in observations if verbs.is_activity(item.verb)), default=None)


def marked_absent(programme: Programme, observations: Iterable[Observation]) -> frozenset[str]:
    """The sessions the register marked the learner absent from."""
    iris = {item.object_id for item in observations if item.verb == verbs.ABSENT}
    return frozenset(session.id for session in programme.sessions if session.activity_iri in iris)


def module_progress(module: Module, observations: Sequence[Observation], start: datetime) -> ItemProgress:
    outcome = evaluate_module(observations, module.move_on, module.mastery_score, start=start)
    terminated = [item for item in observations if item.verb == verbs.TERMINATED]
    # cmi5 "terminated" carries the whole AU session's duration; other statements' durations overlap it.
    timed = terminated or observations
    active = [item.timestamp for item in observations if verbs.is_activity(item.verb)]
    finished = [m for m in (outcome.completed_at, outcome.passed_at, outcome.waived_at) if m is not None]
    return ItemProgress(
        kind=MODULE,
        item_id=module.id,
        status=module_status(outcome, module.move_on, active=bool(active)),
        first_activity_at=min(active, default=None),
        last_activity_at=max(active, default=None),
        completed_at=min(finished, default=None),
        satisfied_at=outcome.satisfied_at,
        score_scaled=outcome.score_scaled,
        time_spent_ms=sum(item.duration_ms for item in timed),
    )


def session_progress(session: Session, observations: Sequence[Observation], now: datetime) -> ItemProgress:
    attended = [item.timestamp for item in observations if item.verb == verbs.ATTENDED]
    waived = [item.timestamp for item in observations if item.verb == verbs.WAIVED]
    absent_mark = any(item.verb == verbs.ABSENT for item in observations)
    active = [item.timestamp for item in observations if verbs.is_activity(item.verb)]
    ended = now >= session.end
    done: datetime | None
    if attended:
        status, done = "attended", min(attended)
    elif waived:
        status, done = "waived", min(waived)
    elif absent_mark or ended:
        # An absence is final once the session is over; `completed_at` records that moment.
        status, done = "absent", session.end if ended else None
    else:
        status, done = "not_started", None
    return ItemProgress(
        kind=SESSION,
        item_id=session.id,
        status=status,
        first_activity_at=min(active, default=None),
        last_activity_at=max(active, default=None),
        completed_at=done,
        satisfied_at=done if status in ("attended", "waived") else None,
        time_spent_ms=sum(item.duration_ms for item in observations if item.verb == verbs.ATTENDED),
    )


def block_progress(
    block: Block, modules: Mapping[str, ItemProgress], sessions: Mapping[str, ItemProgress]
) -> ItemProgress | None:
    """None when none of the block's members apply to this learner (sessions of other cohorts)."""
    members = [modules[m] for m in block.modules if m in modules]
    members += [sessions[s] for s in block.sessions if s in sessions]
    if not members:
        return None
    satisfied = [member.satisfied_at for member in members if member.satisfied_at is not None]
    done = max(satisfied) if len(satisfied) == len(members) else None
    return _rollup(BLOCK, block.id, members, done)


def confidence_times(programme: Programme, by_object: Mapping[str, Sequence[Observation]]) -> list[datetime]:
    assessment = programme.confidence
    if assessment is None:
        return []
    found = [
        latest_observation(by_object.get(iri, []))
        for iri in (assessment.pre_activity_iri, assessment.post_activity_iri)
    ]
    return [item.timestamp for item in found if item is not None]


def latest_observation(observations: Sequence[Observation]) -> Observation | None:
    """The most recent answer (ties broken by statement id, so the choice never depends on order)."""
    return max(observations, key=lambda item: (item.timestamp, item.statement_id), default=None)


def programme_progress(
    programme: Programme,
    modules: Mapping[str, ItemProgress],
    sessions: Mapping[str, ItemProgress],
    blocks: Mapping[str, ItemProgress],
    confidence: Sequence[datetime],
) -> ItemProgress:
    rule = programme.completion
    needs = [modules[m].satisfied_at for m in rule.required_modules]
    needs += [blocks[b].satisfied_at if b in blocks else None for b in rule.required_blocks]
    needs += [sessions[s].satisfied_at for s in rule.required_sessions if s in sessions]
    if rule.is_default:  # no [completion] table: every item (modules, blocks, the learner's sessions)
        needs = [item.satisfied_at for item in (*modules.values(), *blocks.values(), *sessions.values())]
    if rule.min_academy_sessions:
        needs.append(_kth_attended(programme, sessions, SessionKind.ACADEMY, rule.min_academy_sessions))
    if rule.review_day_required:
        needs.append(_kth_attended(programme, sessions, SessionKind.REVIEW_DAY, 1))
    if programme.confidence is not None and programme.confidence.required:
        needs.append(max(confidence) if len(confidence) == 2 else None)
    met = [moment for moment in needs if moment is not None]
    done = max(met, default=None) if len(met) == len(needs) and met else None
    members = [*modules.values(), *sessions.values()]
    return _rollup(PROGRAMME, programme.id, members, done)


def _kth_attended(
    programme: Programme, sessions: Mapping[str, ItemProgress], kind: SessionKind, count: int
) -> datetime | None:
    times = sorted(
        progress.satisfied_at
        for session_id, progress in sessions.items()
        if programme.session(session_id).kind is kind and progress.satisfied_at is not None
    )
    return times[count - 1] if len(times) >= count else None


def _rollup(kind: str, item_id: str, members: Sequence[ItemProgress], done: datetime | None) -> ItemProgress:
    firsts = [m.first_activity_at for m in members if m.first_activity_at is not None]
    lasts = [m.last_activity_at for m in members if m.last_activity_at is not None]
    status = "completed" if done is not None else "in_progress" if firsts else "not_started"
    return ItemProgress(
        kind=kind,
        item_id=item_id,
        status=status,
        first_activity_at=min(firsts, default=None),
        last_activity_at=max(lasts, default=None),
        completed_at=done,
        satisfied_at=done,
        time_spent_ms=sum(member.time_spent_ms for member in members),
    )
