"""The queries behind the CSV export's lines (lrs.reporting.csv_lines): a page of records with their
row-by-row text (status and times as ISO 8601, the last-updated, deleted and source cells) made by
the database, and the learners and item titles a page refers to, read once per page or pass.

The page is the same page as lrs.reporting.queries' (same joins, filters, keyset and order), so the
cursor and `since` mean the same. Times come out as the JSON API writes them: UTC,
`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, no fraction when it is zero. Text a person typed (names, e-mails,
titles) is not touched here: Python's csv module quotes it, once per learner or item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import String, and_, case, func, literal, select, tuple_, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lrs.reporting.filters import CompletionFilters, Cursor
from lrs.reporting.queries import filtered, programme_share
from lrs.reporting.records import SOURCE
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

# A line row, by position: 0 record id, 1 learner id, 2 item state key (KEY_SEPARATOR between
# programme, cohort, item kind, item id and state: "-" deleted, "" no progress row, else the status
# with "*" when satisfied), 3 middle ("<status>,<enrolled>,<started>,<completed>,<satisfied>", the
# status and progress times empty for a record without live progress), 4 score (live records
# only), 5 time spent in ms (live records only), 6 for a programme record "<done>/<total>/<items>"
# (its modules and sessions finished and counted, as lrs.reporting.queries, and each progress row
# of the learner's enrolment as kind:id:status:satisfied 0|1:ms, comma-separated, by kind and id),
# else NULL, 7 tail (",<updated>,<Y|N>,cohort-lrs").
KEY_SEPARATOR = "\x1f"  # never in a slug (lrs.programme.fields): programme, cohort and item ids


async def line_rows(
    session: AsyncSession, filters: CompletionFilters, after: Cursor, limit: int
) -> list[Sequence[Any]]:
    """A page as the driver's own rows (no SQLAlchemy Row objects: the cost per row is the point)."""
    connection = await session.connection()
    result = await connection.execute(_line_query(connection.dialect.name, filters, after, limit))
    rows = list(result.cursor.fetchall())
    result.close()
    return rows


async def change_position(session: AsyncSession, record_id: int) -> int:
    """The change sequence of a record (where a page ends, for the cursor)."""
    query = select(ProgressChange.change_seq).where(ProgressChange.id == record_id)
    return int((await session.execute(query)).scalar_one())


def _line_query(dialect: str, filters: CompletionFilters, after: Cursor, limit: int) -> Any:
    change, progress = ProgressChange, ProgressRecord
    live = and_(progress.id.is_not(None), change.deleted.is_(False))

    def iso(column: Any) -> Any:
        return _iso(dialect, column)

    progress_times = (progress.first_activity_at, progress.completed_at, progress.satisfied_at)
    middle = case(
        (live, _status_and_times(dialect, progress.status, EnrolmentRow.enrolled_at, *progress_times)),
        else_=_status_and_times(dialect, None, EnrolmentRow.enrolled_at),
    )
    state = case(
        (change.deleted.is_(True), literal("-")),
        (progress.id.is_(None), literal("")),
        (progress.satisfied_at.is_(None), progress.status),
        else_=progress.status + literal("*"),
    )
    sep = KEY_SEPARATOR
    key = _text(dialect, f"%s{sep}%s{sep}%s{sep}%s{sep}%s", *_item_key(change), state)
    deleted_cell = case((change.deleted.is_(True), literal(",Y,")), else_=literal(",N,"))
    query = (
        select(
            change.id,
            change.learner_id,
            key,
            middle,
            case((live, progress.score_scaled), else_=None),
            case((live, progress.time_spent_ms), else_=None),
            case((change.item_kind == "programme", _programme_items(dialect)), else_=None),
            literal(",") + iso(change.updated_at) + deleted_cell + literal(SOURCE),
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
        .where(
            change.change_seq < after.upper,
            tuple_(change.change_seq, change.id) > tuple_(literal(after.seq), literal(after.record_id)),
        )
    )
    return filtered(query, filters).order_by(change.change_seq, change.id).limit(limit)


def _item_key(change: Any) -> tuple[Any, ...]:
    return (change.programme_id, change.cohort_id, change.item_kind, change.item_id)


def _programme_items(dialect: str) -> Any:
    """For a programme record: "<done>/<total>/<items>" (see the row layout above)."""
    other, change = aliased(ProgressRecord), ProgressChange
    item = _text(
        dialect,
        "%s:%s:%s:%s:%s",
        other.item_kind,
        other.item_id,
        other.status,
        case((other.satisfied_at.is_(None), literal(0)), else_=literal(1)),
        other.time_spent_ms,
    )
    mine = and_(
        other.learner_id == change.learner_id,
        other.cohort_id == change.cohort_id,
    )
    if dialect == "postgresql":
        items = select(
            func.string_agg(item, aggregate_order_by(literal(","), other.item_kind, other.item_id))
        ).where(mine)
    else:  # SQLite 3.40 has no ORDER BY in an aggregate: it concatenates in the subquery's order
        ordered = (
            select(item.label("item")).where(mine).correlate(change).order_by(other.item_kind, other.item_id)
        ).subquery()
        items = select(func.group_concat(ordered.c.item, literal(",")))
    return _text(
        dialect,
        "%s/%s/%s",
        programme_share(True),
        programme_share(False),
        items.scalar_subquery(),
    )


def _iso(dialect: str, column: Any) -> Any:
    """A stored time as the JSON API writes it; NULL stays NULL. SQLite keeps times as
    `YYYY-MM-DD HH:MM:SS.ffffff` (UTC, six digits); PostgreSQL as timestamptz."""
    if dialect == "postgresql":
        shown = func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US')
    else:
        shown = func.replace(type_coerce(column, String), " ", "T")
    return func.replace(shown, ".000000", "") + literal("Z")


def _status_and_times(dialect: str, status: Any, *times: Any) -> Any:
    """ "<status>,<enrolled>,<started>,<completed>,<satisfied>" (no status: only the enrolment time).
    On SQLite the times are made ISO 8601 in one go over the whole text, two string calls instead
    of two a time: the status is one of a few words, with no space and no ".000000Z" in it."""
    template = "%s,%s,%s,%s,%s" if status is not None else ",%s,,,"
    values = [status] if status is not None else []
    if dialect == "postgresql":
        return _text(dialect, template, *values, *[_iso(dialect, time) for time in times])
    stored = [type_coerce(time, String) + literal("Z") for time in times]  # NULL stays NULL: empty
    shown = func.replace(_text(dialect, template, *values, *stored), " ", "T")
    return type_coerce(func.replace(shown, ".000000Z", "Z"), String)


def _text(dialect: str, template: str, *values: Any) -> Any:
    """The values in the template's `%s` places, NULL as empty text, in one allocation."""
    build = func.format if dialect == "postgresql" else func.printf
    return type_coerce(build(template, *values), String)


async def learner_cells(session: AsyncSession, learner_ids: Iterable[int]) -> list[Sequence[Any]]:
    """(learner id, employee number, e-mail, name, organisation id, organisation name, role)."""
    query = (
        select(
            LearnerRow.id,
            LearnerRow.employee_number,
            LearnerRow.email,
            LearnerRow.name,
            LearnerRow.organisation_id,
            OrganisationRow.name,
            LearnerRow.role,
        )
        .join(OrganisationRow, OrganisationRow.id == LearnerRow.organisation_id)
        .where(LearnerRow.id.in_(sorted(set(learner_ids))))
    )
    return list((await (await session.connection()).execute(query)).all())


async def item_titles(session: AsyncSession, programme_id: str) -> dict[tuple[str, str], str]:
    """A programme's items' titles by (item kind, item id), the programme's own included."""
    titles: dict[tuple[str, str], str] = {}
    for kind, table, id_column in (
        ("module", ModuleRow, ModuleRow.module_id),
        ("session", SessionRow, SessionRow.session_id),
        ("block", BlockRow, BlockRow.block_id),
    ):
        rows = await session.execute(select(id_column, table.title).where(table.programme_id == programme_id))
        titles.update({(kind, item_id): title for item_id, title in rows})
    programme_title = await session.scalar(select(ProgrammeRow.title).where(ProgrammeRow.id == programme_id))
    if programme_title is not None:
        titles["programme", programme_id] = programme_title
    return titles
