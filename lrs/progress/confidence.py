"""Confidence self-assessments (before and after the programme), per learner and per cohort."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.progress_models import ConfidenceResult


@dataclass(frozen=True)
class Answer:
    raw: float | None
    scaled: float | None
    at: datetime


@dataclass(frozen=True)
class LearnerConfidence:
    learner_id: int
    programme_id: str
    cohort_id: str
    pre: Answer | None
    post: Answer | None

    @property
    def pre_raw(self) -> float | None:
        return None if self.pre is None else self.pre.raw

    @property
    def post_raw(self) -> float | None:
        return None if self.post is None else self.post.raw

    @property
    def change(self) -> float | None:
        """Post minus pre on the assessment's own scale, when both were answered."""
        if self.pre_raw is None or self.post_raw is None:
            return None
        return self.post_raw - self.pre_raw


@dataclass(frozen=True)
class CohortConfidence:
    cohort_id: str
    learners: list[LearnerConfidence]

    @property
    def mean_pre(self) -> float | None:
        return _mean([item.pre_raw for item in self.learners])

    @property
    def mean_post(self) -> float | None:
        return _mean([item.post_raw for item in self.learners])

    @property
    def mean_change(self) -> float | None:
        return _mean([item.change for item in self.learners])


async def learner_confidence(session: AsyncSession, learner_id: int) -> list[LearnerConfidence]:
    rows = await session.scalars(select(ConfidenceResult).where(ConfidenceResult.learner_id == learner_id))
    return _grouped(list(rows))


async def cohort_confidence(session: AsyncSession, cohort_id: str) -> CohortConfidence:
    rows = await session.scalars(select(ConfidenceResult).where(ConfidenceResult.cohort_id == cohort_id))
    return CohortConfidence(cohort_id, _grouped(list(rows)))


def _grouped(rows: Sequence[ConfidenceResult]) -> list[LearnerConfidence]:
    answers: dict[tuple[int, str, str], dict[str, Answer]] = defaultdict(dict)
    for row in rows:
        key = (row.learner_id, row.programme_id, row.cohort_id)
        answers[key][row.phase] = Answer(row.score_raw, row.score_scaled, row.recorded_at)
    return [
        LearnerConfidence(learner_id, programme_id, cohort_id, found.get("pre"), found.get("post"))
        for (learner_id, programme_id, cohort_id), found in sorted(answers.items())
    ]


def _mean(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return fmean(present) if present else None
