"""The stored projection state of many enrolments, read and written in bulk (one query per table).

What the incremental path (lrs.progress.incremental) folds new observations into: each enrolment's
progress rows with their facts, its confidence answers and the statements whose durations it has
counted. Writes are executemany statements in key order, so two workers never wait on each other's
rows in opposite orders (each enrolment's rows are also under its learner lock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.events.types import Event
from lrs.progress.observations import Observation
from lrs.progress.projection import ItemProgress
from lrs.progress.satisfied import Issuer, SatisfiedItem
from lrs.progress.store import ItemKey, LearnerKey, keyed, record_values
from lrs.progress.transitions import Owner
from lrs.storage.progress_models import ConfidenceResult, ProgressDuration, ProgressLearner, ProgressRecord

_CHUNK = 500


@dataclass
class StoredState:
    """One enrolment's rows (with their row ids and facts), confidence answers and counted durations."""

    rows: dict[ItemKey, ItemProgress] = field(default_factory=dict)
    row_ids: dict[ItemKey, int] = field(default_factory=dict)
    facts: dict[ItemKey, str | None] = field(default_factory=dict)
    answers: dict[str, Observation] = field(default_factory=dict)  # phase -> answer
    counted: set[str] = field(default_factory=set)  # statement ids whose durations are in the facts


async def load_states(
    session: AsyncSession, keys: Sequence[LearnerKey], timed: Iterable[tuple[LearnerKey, str]]
) -> dict[LearnerKey, StoredState]:
    """The state of each enrolment in `keys`; `counted` only among the `timed` (enrolment,
    statement id) pairs, looked up by primary key (a statement id alone would scan the table)."""
    states = {key: StoredState() for key in keys}
    learner_ids = sorted({key[0] for key in keys})
    raw_times = session.get_bind().dialect.name == "sqlite"
    table: Table = ProgressRecord.__table__  # type: ignore[assignment]
    for chunk in _chunks(learner_ids):
        # Core tuples, not ORM objects: this reads every row of every learner in the group.
        found = await session.execute(_progress_rows(table, raw_times).where(table.c.learner_id.in_(chunk)))
        for row_id, learner_id, programme_id, cohort_id, kind, item_id, facts, *values in found:
            state = states.get((learner_id, programme_id, cohort_id))
            if state is not None:
                item = (kind, item_id)
                state.rows[item] = _record(kind, item_id, values, raw_times)
                state.row_ids[item], state.facts[item] = row_id, facts
        answers = await session.scalars(
            select(ConfidenceResult).where(ConfidenceResult.learner_id.in_(chunk))
        )
        for answer in answers:
            state = states.get((answer.learner_id, answer.programme_id, answer.cohort_id))
            if state is not None:
                state.answers[answer.phase] = _answer_observation(answer)
    duration = ProgressDuration
    key_of = (duration.learner_id, duration.programme_id, duration.cohort_id, duration.statement_id)
    for chunk in _chunks(sorted({(*key, statement_id) for key, statement_id in timed})):
        counted = await session.execute(select(*key_of).where(keyed(key_of, chunk)))
        for learner_id, programme_id, cohort_id, statement_id in counted:
            if (state := states.get((learner_id, programme_id, cohort_id))) is not None:
                state.counted.add(statement_id)
    return states


_KEY_COLUMNS = ("id", "learner_id", "programme_id", "cohort_id", "item_kind", "item_id", "facts")
_VALUE_COLUMNS = ("status", "first_activity_at", "last_activity_at", "completed_at", "satisfied_at")
_TIME_COLUMNS = frozenset(_VALUE_COLUMNS[1:])


def _progress_rows(table: Table, raw_times: bool) -> Select[Any]:
    """The key columns, then status, the four times, the score and the time spent; on SQLite the
    times as their stored text, which `_record` parses in C (SQLAlchemy's SQLite DATETIME parses
    with a regular expression)."""
    values = [
        type_coerce(table.c[name], String).label(name)
        if raw_times and name in _TIME_COLUMNS
        else table.c[name]
        for name in _VALUE_COLUMNS
    ]
    keys = [table.c[name] for name in _KEY_COLUMNS]
    return select(*keys, *values, table.c.score_scaled, table.c.time_spent_ms)


def _utc(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def _record(kind: str, item_id: str, values: list[Any], raw_times: bool) -> ItemProgress:
    status, first, last, completed, satisfied, score, spent = values
    if raw_times:
        first, last, completed, satisfied = _utc(first), _utc(last), _utc(completed), _utc(satisfied)
    return ItemProgress(kind, item_id, status, first, last, completed, satisfied, score, spent)


def _answer_observation(answer: ConfidenceResult) -> Observation:
    return Observation(
        statement_id=answer.statement_id,
        verb="",
        object_id="",
        timestamp=answer.recorded_at,
        score_scaled=answer.score_scaled,
        score_raw=answer.score_raw,
    )


def _chunks(values: Sequence[object]) -> Iterable[list[object]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


@dataclass
class StateWrites:
    """What a batch changes, collected per table and written sorted by key."""

    inserts: list[dict[str, object]] = field(default_factory=list)
    updates: list[dict[str, object]] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    answers: dict[tuple[LearnerKey, str], Observation | None] = field(default_factory=dict)  # None: delete
    reset_counted: list[LearnerKey] = field(default_factory=list)  # forget these enrolments' counted
    counted: list[tuple[LearnerKey, str]] = field(default_factory=list)
    last_activity: dict[LearnerKey, datetime | None] = field(default_factory=dict)
    timers: list[tuple[Owner, datetime]] = field(default_factory=list)  # inactivity, counted from
    events: list[Event] = field(default_factory=list)  # transitions
    satisfied: list[tuple[Issuer, list[SatisfiedItem]]] = field(default_factory=list)  # to reconcile

    def row(self, key: LearnerKey, state: StoredState, item: ItemProgress, facts: str | None) -> None:
        """Insert or update one row if it or its facts changed."""
        item_key = (item.kind, item.item_id)
        stored = state.rows.get(item_key)
        if stored is None:
            owner = {"learner_id": key[0], "programme_id": key[1], "cohort_id": key[2]}
            values = {**record_values(item), "facts": facts}
            self.inserts.append({**owner, "item_kind": item.kind, "item_id": item.item_id, **values})
        elif stored != item or state.facts.get(item_key) != facts:
            values = {**record_values(item), "facts": facts}
            self.updates.append({"b_id": state.row_ids[item_key], **values})


async def write_states(session: AsyncSession, writes: StateWrites) -> None:
    progress: Table = ProgressRecord.__table__  # type: ignore[assignment]
    if writes.deletes:
        await session.execute(delete(progress).where(progress.c.id.in_(sorted(writes.deletes))))
    if writes.updates:
        ordered = sorted(writes.updates, key=lambda values: int(str(values["b_id"])))
        columns: dict[str, Any] = {name: bindparam(name) for name in ordered[0] if name != "b_id"}
        statement = update(progress).where(progress.c.id == bindparam("b_id")).values(columns)
        await session.execute(statement.execution_options(synchronize_session=False), ordered)
    if writes.inserts:
        await session.execute(insert(progress), sorted(writes.inserts, key=_row_order))
    await _write_answers(session, writes.answers)
    duration = ProgressDuration
    owner_of = (duration.learner_id, duration.programme_id, duration.cohort_id)
    for chunk in _chunks(sorted(set(writes.reset_counted))):
        await session.execute(delete(duration).where(keyed(owner_of, chunk)))
    if writes.counted:
        rows = [
            {"learner_id": k[0], "programme_id": k[1], "cohort_id": k[2], "statement_id": statement_id}
            for k, statement_id in sorted(set(writes.counted))
        ]
        await session.execute(insert(ProgressDuration), rows)
    if writes.last_activity:
        learners: Table = ProgressLearner.__table__  # type: ignore[assignment]
        statement = (
            update(learners)
            .where(
                learners.c.learner_id == bindparam("b_learner"),
                learners.c.programme_id == bindparam("b_programme"),
                learners.c.cohort_id == bindparam("b_cohort"),
            )
            .values(last_activity_at=bindparam("b_last"))
        )
        rows = [
            {"b_learner": k[0], "b_programme": k[1], "b_cohort": k[2], "b_last": moment}
            for k, moment in sorted(writes.last_activity.items())
        ]
        await session.execute(statement.execution_options(synchronize_session=False), rows)


def _row_order(values: Mapping[str, object]) -> tuple[str, ...]:
    keys = ("learner_id", "programme_id", "cohort_id", "item_kind", "item_id")
    return tuple(f"{values[key]:>20}" if key == "learner_id" else str(values[key]) for key in keys)


async def _write_answers(
    session: AsyncSession, answers: dict[tuple[LearnerKey, str], Observation | None]
) -> None:
    """Replace the changed confidence answers (delete, then insert: one answer per phase)."""
    if not answers:
        return
    result = ConfidenceResult
    answer_of = (result.learner_id, result.programme_id, result.cohort_id, result.phase)
    for chunk in _chunks(sorted((*key, phase) for key, phase in answers)):
        await session.execute(delete(result).where(keyed(answer_of, chunk)))
    rows = [
        {
            "learner_id": key[0],
            "programme_id": key[1],
            "cohort_id": key[2],
            "phase": phase,
            "score_raw": answer.score_raw,
            "score_scaled": answer.score_scaled,
            "statement_id": answer.statement_id,
            "recorded_at": answer.timestamp,
        }
        for (key, phase), answer in sorted(answers.items(), key=lambda entry: entry[0])
        if answer is not None
    ]
    if rows:
        await session.execute(insert(result), rows)
