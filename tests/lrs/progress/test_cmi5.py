"""cmi5 moveOn and masteryScore, in every arrival order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from lrs.programme.model import MoveOn
from lrs.progress import verbs
from lrs.progress.cmi5 import evaluate_module, module_status
from lrs.progress.observations import Observation

START = datetime(2026, 1, 5, tzinfo=UTC)


def seen(verb: str, minute: int, scaled: float | None = None) -> Observation:
    return Observation(f"id-{verb}-{minute}", verb, "https://x/au", START + timedelta(minutes=minute), scaled)


def outcome(
    move_on: MoveOn, mastery: float | None, *observations: Observation
) -> tuple[str, datetime | None]:
    results = set()
    for order in itertools.permutations(observations):
        evaluated = evaluate_module(order, move_on, mastery, start=START)
        results.add((module_status(evaluated, move_on, active=bool(order)), evaluated.satisfied_at))
    assert len(results) == 1, f"order changed the outcome: {results}"
    return results.pop()


def at(minute: int) -> datetime:
    return START + timedelta(minutes=minute)


@pytest.mark.parametrize(
    ("move_on", "observations", "expected"),
    [
        (MoveOn.COMPLETED, [seen(verbs.COMPLETED, 5)], ("completed", at(5))),
        (MoveOn.COMPLETED, [seen(verbs.PASSED, 5)], ("passed", None)),
        (MoveOn.PASSED, [seen(verbs.COMPLETED, 5)], ("completed", None)),
        (MoveOn.PASSED, [seen(verbs.FAILED, 3), seen(verbs.PASSED, 9)], ("passed", at(9))),
        (MoveOn.COMPLETED_AND_PASSED, [seen(verbs.PASSED, 4), seen(verbs.COMPLETED, 7)], ("passed", at(7))),
        (MoveOn.COMPLETED_AND_PASSED, [seen(verbs.COMPLETED, 2), seen(verbs.FAILED, 7)], ("failed", None)),
        (MoveOn.COMPLETED_OR_PASSED, [seen(verbs.COMPLETED, 6), seen(verbs.PASSED, 8)], ("passed", at(6))),
        (MoveOn.COMPLETED_OR_PASSED, [seen(verbs.FAILED, 2), seen(verbs.COMPLETED, 4)], ("completed", at(4))),
        (MoveOn.NOT_APPLICABLE, [], ("not_started", START)),
        (MoveOn.PASSED, [seen(verbs.FAILED, 1), seen(verbs.WAIVED, 30)], ("waived", at(30))),
        (MoveOn.PASSED, [seen(verbs.TERMINATED, 1)], ("in_progress", None)),
    ],
)
def test_move_on(
    move_on: MoveOn, observations: list[Observation], expected: tuple[str, datetime | None]
) -> None:
    assert outcome(move_on, None, *observations) == expected


def test_pass_below_mastery_counts_as_failed() -> None:
    assert outcome(MoveOn.PASSED, 0.8, seen(verbs.PASSED, 5, 0.6)) == ("failed", None)
    assert outcome(MoveOn.PASSED, 0.8, seen(verbs.PASSED, 5, 0.8)) == ("passed", at(5))
    assert outcome(MoveOn.PASSED, 0.8, seen(verbs.PASSED, 5)) == ("passed", at(5))  # no score: trust the AU


def test_score_is_the_best_scaled_result() -> None:
    evaluated = evaluate_module(
        [seen(verbs.FAILED, 1, 0.4), seen(verbs.PASSED, 2, 0.9)], MoveOn.PASSED, 0.8, start=START
    )
    assert evaluated.score_scaled == 0.9
