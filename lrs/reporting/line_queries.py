"""The queries behind the CSV export's lines (lrs.reporting.csv_lines): a page of records with their
row-by-row text (progress times and last updated as ISO 8601) made by the database, and the
learners, enrolment times and item titles a page refers to, read once per page or pass.

A page is a range of the change log (lrs.reporting.page_ranges) with the filters of
lrs.reporting.queries, in the same (change_seq, record id) order, so `since` means the same. Times
come out as the JSON API writes them: UTC, `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, no fraction when it is
zero. Text a person typed (names, e-mails, titles) is not touched here: Python's csv module quotes
it, once per learner or item.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    any_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lrs.reporting.filters import CompletionFilters
from lrs.reporting.page_ranges import PageRange
from lrs.reporting.queries import filtered, planned_for_pages
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
# with "*" when satisfied), 3 progress times ("<started>,<completed>,<satisfied>", empty cells for a
# record without live progress), 4 score (live records only), 5 time spent in ms (live records
# only), 6 for a programme record its learner's progress rows in the same programme and cohort as
# kind:id:status:satisfied 0|1:ms, comma-separated, by kind and id ("" when there are none), else
# NULL, 7 last updated. The deleted cell follows from the state; the learner's cells and enrolment
# time are read once per page (learner_cells, enrolment_times), not once per record.
KEY_SEPARATOR = "\x1f"  # never in a slug (lrs.programme.fields): programme, cohort and item ids


async def line_rows(
    session: AsyncSession, filters: CompletionFilters, page: PageRange
) -> list[Sequence[Any]]:
    """A page as the driver's own rows (no SQLAlchemy Row objects: the cost per row is the point)."""
    connection = await session.connection()
    await planned_for_pages(session)
    result = await connection.execute(_line_query(connection.dialect.name, filters, page))
    rows = list(result.cursor.fetchall())
    result.close()
    return rows


def _line_query(dialect: str, filters: CompletionFilters, page: PageRange) -> Any:
    change, progress = ProgressChange, ProgressRecord
    live = and_(progress.id.is_not(None), change.deleted.is_(False))
    state = case(
        (change.deleted.is_(True), literal("-")),
        (progress.id.is_(None), literal("")),
        (progress.satisfied_at.is_(None), progress.status),
        else_=progress.status + literal("*"),
    )
    sep = KEY_SEPARATOR
    key = _text(dialect, f"%s{sep}%s{sep}%s{sep}%s{sep}%s", *_item_key(change), state)
    times = (progress.first_activity_at, progress.completed_at, progress.satisfied_at)
    query = (
        select(
            change.id,
            change.learner_id,
            key,
            case((live, _iso_times(dialect, *times)), else_=literal(",,")),
            case((live, progress.score_scaled), else_=None),
            case((live, progress.time_spent_ms), else_=None),
            case((change.item_kind == "programme", _programme_items(dialect)), else_=None),
            _iso(dialect, change.updated_at),
        )
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
        .where(page.condition())
    )
    if filters.organisations:  # else the learner is read once a page (page_learners), not joined here
        query = query.join(LearnerRow, LearnerRow.id == change.learner_id)
    return filtered(query, filters).order_by(change.change_seq, change.id)


def _item_key(change: Any) -> tuple[Any, ...]:
    return (change.programme_id, change.cohort_id, change.item_kind, change.item_id)


def _programme_items(dialect: str) -> Any:
    """For a programme record: its learner's progress rows of the programme and cohort (see the row
    layout above), in the order of the progress table's unique key, so no sorting per record. A
    cohort belongs to one programme, so these are all the rows of the learner's enrolment."""
    other, change = aliased(ProgressRecord), ProgressChange
    satisfied = case((other.satisfied_at.is_(None), literal(":0:")), else_=literal(":1:"))
    item = (
        other.item_kind
        + literal(":")
        + other.item_id
        + literal(":")
        + other.status
        + satisfied
        + cast(other.time_spent_ms, String)
    )
    mine = and_(
        other.learner_id == change.learner_id,
        other.programme_id == change.programme_id,
        other.cohort_id == change.cohort_id,
    )
    if dialect == "postgresql":
        ordered = aggregate_order_by(literal(","), other.item_kind, other.item_id)
        items = select(func.string_agg(item, ordered)).where(mine)
    else:  # SQLite 3.40 has no ORDER BY in an aggregate: it concatenates in the subquery's order
        rows = select(item.label("item")).where(mine).correlate(change)
        ordered_rows = rows.order_by(other.item_kind, other.item_id).subquery()
        items = select(func.group_concat(ordered_rows.c.item, literal(",")))
    return func.coalesce(items.scalar_subquery(), literal(""))


def _iso(dialect: str, column: Any) -> Any:
    """A stored time as the JSON API writes it; NULL stays NULL. SQLite keeps times as
    `YYYY-MM-DD HH:MM:SS.ffffff` (UTC, six digits); PostgreSQL as timestamptz."""
    if dialect == "postgresql":
        shown = func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US')
    else:
        shown = func.replace(type_coerce(column, String), " ", "T")
    return func.replace(shown, ".000000", "") + literal("Z")


def _iso_times(dialect: str, *times: Any) -> Any:
    """The times as CSV cells, "<a>,<b>,<c>", each as _iso (NULL: an empty cell). On SQLite the times
    are made ISO 8601 in one go over the whole text, two string calls instead of two a time."""
    template = ",".join("%s" for _ in times)
    if dialect == "postgresql":
        return _text(dialect, template, *[_iso(dialect, time) for time in times])
    stored = [type_coerce(time, String) + literal("Z") for time in times]  # NULL stays NULL: empty
    shown = func.replace(_text(dialect, template, *stored), " ", "T")
    return type_coerce(func.replace(shown, ".000000Z", "Z"), String)


def _text(dialect: str, template: str, *values: Any) -> Any:
    """The values in the template's `%s` places, NULL as empty text, in one allocation."""
    build = func.format if dialect == "postgresql" else func.printf
    return type_coerce(build(template, *values), String)


async def learner_cells(session: AsyncSession, learner_ids: Sequence[int]) -> list[Sequence[Any]]:
    """(learner id, employee number, e-mail, name, organisation id, organisation name, role); a
    learner whose organisation is gone is left out, as the records query's inner join leaves them
    out. The ids travel as one value, not one parameter each."""
    connection = await session.connection()
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
        .where(_among(connection.dialect.name, LearnerRow.id, learner_ids))
    )
    return list((await connection.execute(query)).all())


async def enrolment_times(session: AsyncSession, learner_ids: Sequence[int]) -> list[Sequence[Any]]:
    """(learner id, cohort id, enrolment time as the JSON API writes it) of these learners."""
    connection = await session.connection()
    dialect = connection.dialect.name
    query = select(EnrolmentRow.learner_id, EnrolmentRow.cohort_id, _iso(dialect, EnrolmentRow.enrolled_at))
    return list(
        (await connection.execute(query.where(_among(dialect, EnrolmentRow.learner_id, learner_ids)))).all()
    )


def _among(dialect: str, column: Any, ids: Sequence[int]) -> Any:
    if dialect == "postgresql":
        return column == any_(literal(list(ids), ARRAY(BigInteger)))
    listed: Any = select(literal_column("value")).select_from(func.json_each(literal(json.dumps(list(ids)))))
    return column.in_(listed.scalar_subquery())


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
