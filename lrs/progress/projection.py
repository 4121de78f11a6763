"""Pure projection: one learner's status in every item of their cohort, from all their observations
(folded into each item's facts, lrs.progress.facts) or from stored facts plus new observations.

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
from lrs.progress.cmi5 import Firsts, module_status, outcome_of
from lrs.progress.facts import ItemFacts, fold_module, fold_session
from lrs.progress.observations import Observation

MODULE, SESSION, BLOCK, PROGRAMME = "module", "session", "block", "programme"


@dataclass(frozen=True, slots=True)
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


LearnerFacts = dict[tuple[str, str], ItemFacts]  # (kind, item id) of modules and the learner's sessions


def learner_sessions(scope: LearnerScope) -> list[Session]:
    """The sessions of the learner's cohort they are expected at (all, unless invitations are listed)."""
    return [
        s
        for s in scope.programme.sessions_of(scope.cohort.id)
        if s.expected_attendees is None or scope.emails & {e.lower() for e in s.expected_attendees}
    ]


def learner_progress(scope: LearnerScope, observations: Iterable[Observation]) -> list[ItemProgress]:
    by_object = observations_by_object(observations)
    confidence = confidence_times(scope.programme, by_object)
    return progress_from_facts(scope, learner_facts(scope, by_object), confidence)


def observations_by_object(observations: Iterable[Observation]) -> dict[str, list[Observation]]:
    by_object: dict[str, list[Observation]] = defaultdict(list)
    for item in observations:
        if item.verb not in verbs.NOT_READ:
            by_object[item.object_id].append(item)
    return by_object


def learner_facts(scope: LearnerScope, by_object: Mapping[str, Sequence[Observation]]) -> LearnerFacts:
    facts: LearnerFacts = {}
    for module in scope.programme.modules:
        folded = ItemFacts()
        for item in by_object.get(module.activity_iri, []):
            folded = fold_module(folded, module, item)
        facts[(MODULE, module.id)] = folded
    for session in learner_sessions(scope):
        folded = ItemFacts()
        for item in by_object.get(session.activity_iri, []):
            folded = fold_session(folded, item)
        facts[(SESSION, session.id)] = folded
    return facts


def progress_from_facts(
    scope: LearnerScope,
    facts: Mapping[tuple[str, str], ItemFacts],
    confidence: Sequence[datetime],
    *,
    unchanged_modules: Mapping[str, ItemProgress] | None = None,
) -> list[ItemProgress]:
    """Every row of the learner's projection, from the facts of their modules and sessions.
    `unchanged_modules` are stored rows of modules whose facts did not change: a module's row
    depends on its facts alone, so they stand as they are (sessions depend on the time too)."""
    start = cohort_start(scope.cohort)
    kept = unchanged_modules or {}
    modules = {
        m.id: kept.get(m.id) or module_progress(m, facts.get((MODULE, m.id), ItemFacts()), start)
        for m in scope.programme.modules
    }
    sessions = {
        s.id: session_progress(s, facts.get((SESSION, s.id), ItemFacts()), scope.now)
        for s in learner_sessions(scope)
    }
    blocks = {
        b.id: result
        for b in scope.programme.blocks
        if (result := block_progress(b, modules, sessions)) is not None
    }
    programme = programme_progress(scope.programme, modules, sessions, blocks, confidence)
    return [*modules.values(), *sessions.values(), *blocks.values(), programme]


def last_activity(observations: Iterable[Observation]) -> datetime | None:
    """The time of the learner's latest activity (see `verbs.NOT_ACTIVITY` for what is not)."""
    return max((item.timestamp for item in observations if verbs.is_activity(item.verb)), default=None)


def marked_absent(programme: Programme, observations: Iterable[Observation]) -> frozenset[str]:
    """The sessions the register marked the learner absent from."""
    iris = {item.object_id for item in observations if item.verb == verbs.ABSENT}
    return frozenset(session.id for session in programme.sessions if session.activity_iri in iris)


def module_progress(module: Module, facts: ItemFacts, start: datetime) -> ItemProgress:
    firsts = Firsts(facts.completed_at, facts.passed_at, facts.failed_at, facts.waived_at)
    outcome = outcome_of(firsts, module.move_on, facts.best_score, start=start)
    finished = [m for m in (outcome.completed_at, outcome.passed_at, outcome.waived_at) if m is not None]
    # cmi5 "terminated" carries the whole AU session's duration; other statements' durations overlap it.
    timed = facts.duration_ms if facts.terminated_ms is None else facts.terminated_ms
    return ItemProgress(
        kind=MODULE,
        item_id=module.id,
        status=module_status(outcome, module.move_on, active=facts.first_activity_at is not None),
        first_activity_at=facts.first_activity_at,
        last_activity_at=facts.last_activity_at,
        completed_at=min(finished, default=None),
        satisfied_at=outcome.satisfied_at,
        score_scaled=outcome.score_scaled,
        time_spent_ms=timed,
    )


def session_progress(session: Session, facts: ItemFacts, now: datetime) -> ItemProgress:
    ended = now >= session.end
    done: datetime | None
    if facts.attended_at is not None:
        status, done = "attended", facts.attended_at
    elif facts.waived_at is not None:
        status, done = "waived", facts.waived_at
    elif facts.absent_marked or ended:
        # An absence is final once the session is over; `completed_at` records that moment.
        status, done = "absent", session.end if ended else None
    else:
        status, done = "not_started", None
    return ItemProgress(
        kind=SESSION,
        item_id=session.id,
        status=status,
        first_activity_at=facts.first_activity_at,
        last_activity_at=facts.last_activity_at,
        completed_at=done,
        satisfied_at=done if status in ("attended", "waived") else None,
        time_spent_ms=facts.duration_ms,
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
