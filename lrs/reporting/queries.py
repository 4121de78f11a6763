"""The completions query: one page of records after a cursor, and the pass's upper bound.

A pass reads changes with `change_seq` below its upper bound, in (change_seq, record id) order. The
bound is fixed when the pass starts (it travels in the cursor), so a record updated during the pass
moves above it and is seen once, in the next pass (`since` = the pass's high_watermark).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lrs.reporting.filters import CompletionFilters, Cursor
from lrs.reporting.off_the_job import with_off_the_job_hours
from lrs.reporting.records import FINISHED, CompletionRecord, completion_pct
from lrs.storage.programme_models import (
    BlockRow,
    EnrolmentRow,
    LearnerRow,
    ModuleRow,
    OrganisationRow,
    ProgrammeRow,
    SessionRow,
)
from lrs.storage.progress_models import ProgressRecord
from lrs.storage.report_models import ProgressChange

# The oldest transaction of this database still in flight (its 32-bit xid matched against the
# snapshot's 64-bit ones), else the snapshot's xmax. Transactions of other databases on the cluster
# are not waited for, so a long one elsewhere does not hold the feed back.
_PG_UPPER = text(
    """
    WITH snap AS (SELECT pg_current_snapshot() AS s),
    ours AS (
        SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
        WHERE datname = current_database() AND backend_xid IS NOT NULL
    )
    SELECT coalesce(
        (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x
         WHERE x::text::bigint % 4294967296 IN (SELECT xid FROM ours)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap)
    )
    """
)


async def pass_upper_bound(session: AsyncSession) -> int:
    """Every change below this is committed and visible, and every later change sorts above it."""
    if session.get_bind().dialect.name == "postgresql":
        return int((await session.execute(_PG_UPPER)).scalar_one())
    highest = await session.scalar(select(func.max(ProgressChange.change_seq)))
    return (highest or 0) + 1


async def planned_for_pages(session: AsyncSession) -> None:
    """PostgreSQL settings for the rest of this read's transaction, for a page of a pass over big
    tables. No JIT compilation: PostgreSQL compiles a query with a high estimated cost to machine
    code first, about 0.75 s a page for a page that runs in 0.18 s without it. And a plan made for
    each page's own values: the generic plan of a prepared statement (which PostgreSQL may switch to
    after five executions) does not know how narrow a page's range is; measured, about 1 s a page."""
    if session.get_bind().dialect.name == "postgresql":
        settings = (
            "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)"
        )
        await session.execute(text(settings))


async def completion_records(
    session: AsyncSession, filters: CompletionFilters, after: Cursor, limit: int
) -> list[CompletionRecord]:
    """Up to `limit` records after `after` (which carries the pass's upper bound)."""
    await planned_for_pages(session)
    rows = (await session.execute(_page_query(filters, after, limit, raw_times=None))).all()
    return await with_off_the_job_hours(session, [_record(row) for row in rows])


async def raw_record_rows(
    session: AsyncSession, filters: CompletionFilters, after: Cursor, limit: int
) -> list[Sequence[Any]]:
    """The same page as plain rows in RECORD_COLUMNS order, with times as the driver returns them
    (text on SQLite, aware datetimes on PostgreSQL): no ORM objects, no per-value type conversion."""
    await planned_for_pages(session)
    connection = await session.connection()
    raw: RawTimes = "sqlite" if connection.dialect.name == "sqlite" else "driver"
    return list((await connection.execute(_page_query(filters, after, limit, raw_times=raw))).all())


async def item_rows(session: AsyncSession, owners: set[tuple[int, str]]) -> list[Sequence[Any]]:
    """The progress rows of these learners: (learner, cohort, programme, kind, item, status, satisfied
    time as the driver returns it, time spent in ms); may include other cohorts of the same learners."""
    if not owners:
        return []
    record = ProgressRecord
    query = select(
        record.learner_id,
        record.cohort_id,
        record.programme_id,
        record.item_kind,
        record.item_id,
        record.status,
        type_coerce(record.satisfied_at, String),
        record.time_spent_ms,
    ).where(record.learner_id.in_(sorted({learner_id for learner_id, _ in owners})))
    return list((await (await session.connection()).execute(query)).all())


def _page_query(filters: CompletionFilters, after: Cursor, limit: int, *, raw_times: RawTimes) -> Select[Any]:
    change = ProgressChange
    query = _records_query(raw_times).where(
        change.change_seq < after.upper,
        tuple_(change.change_seq, change.id) > tuple_(literal(after.seq), literal(after.record_id)),
    )
    return filtered(query, filters).order_by(change.change_seq, change.id).limit(limit)


def filtered(query: Select[Any], filters: CompletionFilters) -> Select[Any]:
    change = ProgressChange
    if filters.organisations:
        query = query.where(LearnerRow.organisation_id.in_(sorted(filters.organisations)))
    if filters.programme:
        query = query.where(change.programme_id == filters.programme)
    if filters.cohort:
        query = query.where(change.cohort_id == filters.cohort)
    if filters.item_type:
        query = query.where(change.item_kind == filters.item_type)
    if filters.status:
        query = query.where(ProgressRecord.status == filters.status)
    if filters.since_seq is not None:
        query = query.where(change.change_seq > filters.since_seq)
    if filters.since_time is not None:
        query = query.where(change.updated_at > filters.since_time)
    return query


# RECORD_COLUMNS, the record query's columns in this order (lrs.reporting.flat unpacks rows by
# position): id learner_id programme_id cohort_id item_kind item_id change_seq updated_at deleted
# progress_id status first_activity_at completed_at satisfied_at score_scaled time_spent_ms
# employee_number email name organisation_id role organisation_name enrolled_at title done total.


# How record times come back: None, as aware datetimes; "driver", as the driver returns them (aware
# datetimes from asyncpg); "sqlite", as ISO 8601 text made by SQLite itself (see _sqlite_iso).
RawTimes = Literal["driver", "sqlite"] | None


def _records_query(raw_times: RawTimes) -> Any:  # a Select of RECORD_COLUMNS
    change, progress = ProgressChange, ProgressRecord
    title = func.coalesce(ModuleRow.title, SessionRow.title, BlockRow.title, ProgrammeRow.title)

    def time(column: Any, name: str) -> Any:
        if raw_times == "sqlite":
            return _sqlite_iso(column).label(name)
        return (type_coerce(column, String) if raw_times else column).label(name)

    return (
        select(
            change.id,
            change.learner_id,
            change.programme_id,
            change.cohort_id,
            change.item_kind,
            change.item_id,
            change.change_seq,
            time(change.updated_at, "updated_at"),
            change.deleted,
            progress.id.label("progress_id"),
            progress.status,
            time(progress.first_activity_at, "first_activity_at"),
            time(progress.completed_at, "completed_at"),
            time(progress.satisfied_at, "satisfied_at"),
            progress.score_scaled,
            progress.time_spent_ms,
            LearnerRow.employee_number,
            LearnerRow.email,
            LearnerRow.name,
            LearnerRow.organisation_id,
            LearnerRow.role,
            OrganisationRow.name.label("organisation_name"),
            time(EnrolmentRow.enrolled_at, "enrolled_at"),
            title.label("title"),
            programme_share(True).label("done"),
            programme_share(False).label("total"),
        )
        .join(LearnerRow, LearnerRow.id == change.learner_id)
        .join(OrganisationRow, OrganisationRow.id == LearnerRow.organisation_id)
        .outerjoin(
            progress,
            and_(
                progress.learner_id == change.learner_id,
                progress.programme_id == change.programme_id,
                progress.cohort_id == change.cohort_id,
                progress.item_kind == change.item_kind,
                progress.item_id == change.item_id,
            ),
        )
        .outerjoin(
            EnrolmentRow,
            and_(EnrolmentRow.learner_id == change.learner_id, EnrolmentRow.cohort_id == change.cohort_id),
        )
        .outerjoin(
            ProgrammeRow, and_(change.item_kind == "programme", ProgrammeRow.id == change.programme_id)
        )
        .outerjoin(ModuleRow, _item(ModuleRow.programme_id, ModuleRow.module_id, "module"))
        .outerjoin(SessionRow, _item(SessionRow.programme_id, SessionRow.session_id, "session"))
        .outerjoin(BlockRow, _item(BlockRow.programme_id, BlockRow.block_id, "block"))
    )


def _sqlite_iso(column: Any) -> Any:
    """SQLite stores times as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC): the same instant as the JSON API
    writes it, `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (no fraction when it is zero); NULL stays NULL."""
    stored = type_coerce(column, String)
    fraction = func.substr(stored, 20)
    shown = case((fraction.in_(["", ".000000"]), literal("")), else_=fraction)
    return func.substr(stored, 1, 10) + literal("T") + func.substr(stored, 12, 8) + shown + literal("Z")


def _item(programme_column: Any, id_column: Any, kind: str) -> ColumnElement[bool]:
    change = ProgressChange
    same_item = and_(programme_column == change.programme_id, id_column == change.item_id)
    return and_(change.item_kind == kind, same_item)


def programme_share(finished_only: bool) -> Any:
    """For a programme row: how many of the enrolment's modules and sessions (are finished); a
    correlated look-up on the progress key, evaluated for programme rows only."""
    other = aliased(ProgressRecord)
    counted = (
        func.sum(case((other.status.in_(sorted(FINISHED)), 1), else_=0)) if finished_only else func.count()
    )
    change = ProgressChange
    share = (
        select(counted)
        .where(
            other.learner_id == change.learner_id,
            other.programme_id == change.programme_id,
            other.cohort_id == change.cohort_id,
            or_(other.item_kind == "module", other.item_kind == "session"),
        )
        .scalar_subquery()
    )
    return case((change.item_kind == "programme", share), else_=None)


def _record(row: Any) -> CompletionRecord:
    live = row.progress_id is not None and not row.deleted
    status = row.status if live else None
    return CompletionRecord(
        record_id=row.id,
        learner_id=row.learner_id,
        employee_number=row.employee_number,
        work_email=row.email,
        name=row.name,
        organisation_id=row.organisation_id,
        organisation_name=row.organisation_name,
        role=row.role,
        programme=row.programme_id,
        cohort=row.cohort_id,
        item_type=row.item_kind,
        item_id=row.item_id,
        item_title=row.title,
        status=status,
        enrolled_at=row.enrolled_at,
        started_at=row.first_activity_at if live else None,
        completed_at=row.completed_at if live else None,
        satisfied_at=row.satisfied_at if live else None,
        score_scaled=row.score_scaled if live else None,
        time_spent_minutes=round(row.time_spent_ms / 60_000, 1) if live else None,
        completion_pct=completion_pct(status, _int(row.done), _int(row.total)),
        off_the_job_hours=None,
        updated_at=row.updated_at,
        deleted=row.deleted,
        change_seq=row.change_seq,
    )


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int) else None
