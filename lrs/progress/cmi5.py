"""cmi5 moveOn evaluation for one learner's module (AU), from all their observations, in any order.

Rules (cmi5 spec, sections 9.3 and 13.1.4):
- "passed" with a scaled score below the module's masteryScore breaks the AU's obligation (9.3.4:
  the score MUST be >= masteryScore), so it counts as a "failed", not a pass.
- Once passed, a later "failed" does not undo it (9.3: "failed" MUST NOT follow "passed").
- "waived" (issued by the LMS) means the moveOn criteria are met (9.3.9).
- NotApplicable: satisfied from the start (registration), which here is the cohort start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lrs.programme.model import MoveOn
from lrs.progress import verbs
from lrs.progress.observations import Observation


@dataclass(frozen=True)
class Cmi5Outcome:
    completed_at: datetime | None
    passed_at: datetime | None
    failed_at: datetime | None
    waived_at: datetime | None
    satisfied_at: datetime | None
    score_scaled: float | None


def counts_as_pass(observation: Observation, mastery_score: float | None) -> bool:
    if observation.verb != verbs.PASSED:
        return False
    score = observation.score_scaled
    return mastery_score is None or score is None or score >= mastery_score


def evaluate_module(
    observations: Iterable[Observation], move_on: MoveOn, mastery_score: float | None, *, start: datetime
) -> Cmi5Outcome:
    completed: list[datetime] = []
    passed: list[datetime] = []
    failed: list[datetime] = []
    waived: list[datetime] = []
    scores: list[float] = []
    for item in observations:
        if item.verb == verbs.COMPLETED:
            completed.append(item.timestamp)
        elif counts_as_pass(item, mastery_score):
            passed.append(item.timestamp)
        elif item.verb in (verbs.PASSED, verbs.FAILED):
            failed.append(item.timestamp)
        elif item.verb == verbs.WAIVED:
            waived.append(item.timestamp)
        if item.verb in (verbs.PASSED, verbs.FAILED) and item.score_scaled is not None:
            scores.append(item.score_scaled)
    firsts = Firsts(_first(completed), _first(passed), _first(failed), _first(waived))
    return outcome_of(firsts, move_on, max(scores) if scores else None, start=start)


@dataclass(frozen=True)
class Firsts:
    """The first time of each deciding verb (a pass below the mastery score counts as failed)."""

    completed_at: datetime | None
    passed_at: datetime | None
    failed_at: datetime | None
    waived_at: datetime | None


def outcome_of(
    firsts: Firsts, move_on: MoveOn, score_scaled: float | None, *, start: datetime
) -> Cmi5Outcome:
    """The outcome from the first times alone (what `evaluate_module` folds the observations into)."""
    met = _criteria_met_at(move_on, firsts.completed_at, firsts.passed_at, start)
    return Cmi5Outcome(
        completed_at=firsts.completed_at,
        passed_at=firsts.passed_at,
        failed_at=firsts.failed_at,
        waived_at=firsts.waived_at,
        satisfied_at=_first([moment for moment in (met, firsts.waived_at) if moment is not None]),
        score_scaled=score_scaled,
    )


def _criteria_met_at(
    move_on: MoveOn, completed_at: datetime | None, passed_at: datetime | None, start: datetime
) -> datetime | None:
    if move_on is MoveOn.NOT_APPLICABLE:
        return start
    if move_on is MoveOn.COMPLETED:
        return completed_at
    if move_on is MoveOn.PASSED:
        return passed_at
    if move_on is MoveOn.COMPLETED_OR_PASSED:
        return _first([moment for moment in (completed_at, passed_at) if moment is not None])
    if completed_at is None or passed_at is None:  # CompletedAndPassed
        return None
    return max(completed_at, passed_at)


def module_status(outcome: Cmi5Outcome, move_on: MoveOn, *, active: bool) -> str:
    """waived > passed > failed (when a pass is what counts) > completed > failed > in_progress."""
    needs_pass = move_on in (MoveOn.PASSED, MoveOn.COMPLETED_AND_PASSED)
    if outcome.waived_at is not None:
        return "waived"
    if outcome.passed_at is not None:
        return "passed"
    if outcome.failed_at is not None and needs_pass:
        return "failed"
    if outcome.completed_at is not None:
        return "completed"
    if outcome.failed_at is not None:
        return "failed"
    return "in_progress" if active else "not_started"


def _first(moments: list[datetime]) -> datetime | None:
    return min(moments) if moments else None
