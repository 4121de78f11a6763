"""Reading statements: single lookups and the filtered, paged query behind GET /xapi/statements.

Pages are ordered by (stored, pk) and resumed from the last row returned (keyset paging), so a page
boundary never shifts when new statements arrive between requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lrs import json_codec
from lrs.storage.models import (
    Activity,
    Attachment,
    Person,
    Statement,
    StatementActivity,
    StatementAgent,
    StatementRef,
)
from lrs.storage.statements import hydrate_bodies

AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class StatementFilter:
    agent_ifi: str | None = None
    related_agents: bool = False
    verb: str | None = None
    activity: str | None = None
    related_activities: bool = False
    registration: str | None = None
    since_us: int | None = None
    until_us: int | None = None
    ascending: bool = False
    credential_id: int | None = None  # statements/read/mine: only what this credential stored


@dataclass(frozen=True)
class Page:
    statements: list[dict[str, Any]]
    last_key: tuple[int, int] | None  # (stored_us, pk) of the last statement when more may follow


async def find_statement(
    session: AsyncSession, statement_id: str, *, voided: bool
) -> tuple[dict[str, Any], int] | None:
    """The statement with this id and its stored time, if it exists with the asked voided state."""
    row = (
        await session.execute(
            select(Statement.body, Statement.stored_us, Statement.credential_id).where(
                Statement.statement_id == statement_id, Statement.voided.is_(voided)
            )
        )
    ).first()
    if row is None:
        return None
    hydrated = await hydrate_bodies(session, {statement_id: json_codec.loads(row[0])})
    return hydrated[statement_id], row[1]


async def query_statements(
    session: AsyncSession, criteria: StatementFilter, *, limit: int, after: tuple[int, int] | None
) -> Page:
    ids = await _resolve(session, criteria)
    if ids is None:
        return Page([], None)
    query, order = _build_query(criteria, ids)
    page_query = _time_filters(query, order, criteria).where(Statement.voided.is_(False))
    rows = await _page_rows(session, page_query, order, criteria, limit, after)
    if _filters_targets(criteria):
        referrers = await _referrer_pks(session, criteria, ids)
        if referrers:
            extra = select(Statement.pk, Statement.stored_us, Statement.body).where(
                Statement.pk.in_(referrers), Statement.voided.is_(False)
            )
            plain_order = [Statement.stored_us, Statement.pk]
            extra = _time_filters(extra, plain_order, criteria)
            extra_rows = await _page_rows(session, extra, plain_order, criteria, limit, after)
            rows = _merge(rows, extra_rows, criteria.ascending)
    more = len(rows) > limit
    rows = rows[:limit]
    bodies = {str(index): json_codec.loads(row.body) for index, row in enumerate(rows)}
    hydrated = await hydrate_bodies(session, bodies)
    statements = [hydrated[str(index)] for index in range(len(rows))]
    last_key = (rows[-1].stored_us, rows[-1].pk) if more and rows else None
    return Page(statements, last_key)


async def _page_rows(
    session: AsyncSession,
    query: AnySelect,
    order: list[Any],
    criteria: StatementFilter,
    limit: int,
    after: tuple[int, int] | None,
) -> list[Any]:
    if after is not None:
        query = query.where(tuple_(*order) > after if criteria.ascending else tuple_(*order) < after)
    direction = [column.asc() if criteria.ascending else column.desc() for column in order]
    return list((await session.execute(query.order_by(*direction).limit(limit + 1))).all())


def _filters_targets(criteria: StatementFilter) -> bool:
    filters = (criteria.agent_ifi, criteria.verb, criteria.activity, criteria.registration)
    return any(value is not None for value in filters)


async def _referrer_pks(session: AsyncSession, criteria: StatementFilter, ids: _Ids) -> set[int]:
    """Statements whose StatementRef points (directly or along a chain) at a statement matching the
    filters, voided or not: xAPI returns them with the matches (Data 2.5, "Filter Conditions for
    StatementRefs"). The walk starts from the small `statement_refs` table, never from the filters."""
    target = aliased(Statement)
    frontier = (
        select(StatementRef.referrer_pk, StatementRef.referrer_id)
        .join(target, target.statement_id == StatementRef.target_id)
        .where(*_target_conditions(target, criteria, ids))
    )
    found: set[int] = set()
    for _ in range(10):  # chains of references are short; this also stops a runaway cycle
        rows = [row for row in (await session.execute(frontier)).all() if row.referrer_pk not in found]
        if not rows:
            break
        found.update(row.referrer_pk for row in rows)
        frontier = select(StatementRef.referrer_pk, StatementRef.referrer_id).where(
            StatementRef.target_id.in_([row.referrer_id for row in rows])
        )
    return found


def _target_conditions(target: Any, criteria: StatementFilter, ids: _Ids) -> list[Any]:
    conditions: list[Any] = []
    if ids.person is not None:
        agent = select(StatementAgent.statement_pk).where(
            StatementAgent.statement_pk == target.pk, StatementAgent.person_id == ids.person
        )
        if not criteria.related_agents:
            agent = agent.where(StatementAgent.direct.is_(True))
        conditions.append(agent.exists())
    if ids.activity is not None:
        activity = select(StatementActivity.statement_pk).where(
            StatementActivity.statement_pk == target.pk, StatementActivity.activity_id == ids.activity
        )
        if not criteria.related_activities:
            activity = activity.where(StatementActivity.direct.is_(True))
        conditions.append(activity.exists())
    # `|| ''` keeps the planner from driving this query from the (large) verb/registration index
    # instead of from the (small) set of references.
    if criteria.verb is not None:
        conditions.append(target.verb_iri.concat("") == criteria.verb)
    if criteria.registration is not None:
        conditions.append(target.registration.concat("") == criteria.registration)
    return conditions


def _merge(first: list[Any], second: list[Any], ascending: bool) -> list[Any]:
    by_pk = {row.pk: row for row in [*first, *second]}
    return sorted(by_pk.values(), key=lambda row: (row.stored_us, row.pk), reverse=not ascending)


@dataclass(frozen=True)
class _Ids:
    person: int | None
    activity: int | None


async def _resolve(session: AsyncSession, criteria: StatementFilter) -> _Ids | None:
    """Row ids for the agent and activity filters; None when either is unknown (nothing matches)."""
    person = activity = None
    if criteria.agent_ifi is not None:
        person = await _id_of(session, select(Person.id).where(Person.ifi == criteria.agent_ifi))
        if person is None:
            return None
    if criteria.activity is not None:
        activity = await _id_of(session, select(Activity.id).where(Activity.iri == criteria.activity))
        if activity is None:
            return None
    return _Ids(person, activity)


def _build_query(criteria: StatementFilter, ids: _Ids) -> tuple[AnySelect, list[Any]]:
    """The filters as a query (no time bounds, no voided exclusion) and the columns that order it:
    those of the most selective joined index, so a page is read in index order."""
    query: AnySelect = select(Statement.pk, Statement.stored_us, Statement.body)
    order: list[Any] = [Statement.stored_us, Statement.pk]
    if ids.activity is not None:
        act = StatementActivity
        query = query.join(act, act.statement_pk == Statement.pk).where(act.activity_id == ids.activity)
        if not criteria.related_activities:
            query = query.where(act.direct.is_(True))
        order = [act.stored_us, act.statement_pk]
    if ids.person is not None:
        joined = StatementAgent
        query = query.join(joined, joined.statement_pk == Statement.pk).where(joined.person_id == ids.person)
        if not criteria.related_agents:
            query = query.where(joined.direct.is_(True))
        order = [joined.stored_us, joined.statement_pk]
    return _plain_filters(query, criteria), order


def _plain_filters(query: AnySelect, criteria: StatementFilter) -> AnySelect:
    if criteria.verb is not None:
        query = query.where(Statement.verb_iri == criteria.verb)
    if criteria.registration is not None:
        query = query.where(Statement.registration == criteria.registration)
    if criteria.credential_id is not None:
        query = query.where(Statement.credential_id == criteria.credential_id)
    return query


def _time_filters(query: AnySelect, order: list[Any], criteria: StatementFilter) -> AnySelect:
    if criteria.since_us is not None:
        query = query.where(order[0] > criteria.since_us)
    if criteria.until_us is not None:
        query = query.where(order[0] <= criteria.until_us)
    return query


async def _id_of(session: AsyncSession, query: AnySelect) -> int | None:
    row = (await session.execute(query)).first()
    return None if row is None else int(row[0])


async def load_attachments(session: AsyncSession, sha2s: list[str]) -> list[tuple[str, str, bytes]]:
    """(sha2, content type, data) for every stored attachment among `sha2s`."""
    if not sha2s:
        return []
    rows = await session.execute(
        select(Attachment.sha2, Attachment.content_type, Attachment.data).where(
            Attachment.sha2.in_(sorted(set(sha2s)))
        )
    )
    return [(sha2, content_type, data) for sha2, content_type, data in rows]
