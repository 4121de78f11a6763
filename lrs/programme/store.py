"""Saving programme definitions: the canonical JSON plus its cohorts/modules/sessions/blocks as rows.

All functions run inside the caller's transaction (`async with db.write_session() as s, s.begin():`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import Conflict, NotFound
from lrs.programme.definition import canonical_json, definition_hash, programme_definition
from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme
from lrs.programme.records import ProgrammeSummary, SaveResult
from lrs.storage.base import Base, dialect_name
from lrs.storage.outbox import append_events
from lrs.storage.programme_models import (
    BlockRow,
    CohortRow,
    EnrolmentRow,
    ModuleRow,
    OrganisationRow,
    ProgrammeRow,
    SessionRow,
)

PROGRAMME_SAVED = "programme.saved"
# Servers starting together each load the programme files: on PostgreSQL the saves take turns on
# this transaction-level advisory lock, so the second finds the first's rows instead of colliding
# with them (SQLite's single writer serialises them already).
_SAVE_LOCK_ID = 0x636C7270  # "clrp"


async def save_programme(
    session: AsyncSession, programme: Programme, *, source: str, now: datetime
) -> SaveResult:
    """Insert or update a programme; a no-op (changed=False) when the definition is identical."""
    definition = programme_definition(programme)
    digest = definition_hash(definition)
    row = await session.get(ProgrammeRow, programme.id)
    if row is not None and row.definition_hash == digest:
        return SaveResult(programme.id, row.version, changed=False)
    await _check_cohort_owners(session, programme)
    await _check_session_activities(session, programme)
    values = {"title": programme.title, "definition": canonical_json(definition), "definition_hash": digest}
    if row is None:
        row = ProgrammeRow(id=programme.id, version=1, source=source, updated_at=now, **values)
        session.add(row)
    else:
        for key, value in {**values, "version": row.version + 1, "source": source, "updated_at": now}.items():
            setattr(row, key, value)
    await session.flush()
    await _save_organisations(session, programme)
    await _sync_cohorts(session, programme)
    await _sync_items(session, ModuleRow, "module_id", programme.id, _module_rows(programme))
    await _sync_items(session, SessionRow, "session_id", programme.id, _session_rows(programme))
    await _sync_items(session, BlockRow, "block_id", programme.id, _block_rows(programme))
    # Session times may have moved: the progress worker re-arms its session-end timers.
    await append_events(
        session, [(PROGRAMME_SAVED, {"programme_id": programme.id, "version": row.version})], now=now
    )
    return SaveResult(programme.id, row.version, changed=True)


async def save_programmes(
    session: AsyncSession, loaded: Sequence[tuple[Path, Programme]], *, now: datetime
) -> list[SaveResult]:
    """Save programmes read by `lrs.programme.loader.load_programme_paths` (validated as a whole first)."""
    if dialect_name(session) == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SAVE_LOCK_ID})
    return [await save_programme(session, programme, source=str(path), now=now) for path, programme in loaded]


async def stored_programme(session: AsyncSession, programme_id: str) -> Programme:
    row = await session.get(ProgrammeRow, programme_id)
    if row is None:
        raise NotFound(f"no programme {programme_id!r}")
    return parsed_definition(row.definition)


@functools.lru_cache(maxsize=64)
def parsed_definition(definition: str) -> Programme:
    """The programme in a stored definition. Parsing cost the progress worker more than the rest of
    an event; a programme is frozen, so one parse serves every event until the definition changes."""
    return parse_programme(json.loads(definition))


async def stored_definition(session: AsyncSession, programme_id: str) -> dict[str, Any]:
    row = await session.get(ProgrammeRow, programme_id)
    if row is None:
        raise NotFound(f"no programme {programme_id!r}")
    definition: dict[str, Any] = json.loads(row.definition)
    return definition


async def list_programmes(session: AsyncSession) -> list[ProgrammeSummary]:
    rows = await session.scalars(select(ProgrammeRow).order_by(ProgrammeRow.id))
    return [
        ProgrammeSummary(row.id, row.title, row.version, row.definition_hash, row.source, row.updated_at)
        for row in rows
    ]


async def _check_cohort_owners(session: AsyncSession, programme: Programme) -> None:
    ids = [cohort.id for cohort in programme.cohorts]
    clashes = await session.execute(
        select(CohortRow.id, CohortRow.programme_id).where(
            CohortRow.id.in_(ids), CohortRow.programme_id != programme.id
        )
    )
    for cohort_id, owner in clashes:
        raise Conflict(f"cohort id {cohort_id!r} already belongs to programme {owner!r}")
    removed = await session.scalars(
        select(CohortRow.id)
        .where(CohortRow.programme_id == programme.id, CohortRow.id.not_in(ids))
        .where(select(func.count()).where(EnrolmentRow.cohort_id == CohortRow.id).scalar_subquery() > 0)
    )
    for cohort_id in removed:
        raise Conflict(f"cohort {cohort_id!r} has enrolments and cannot be removed from the programme")


async def _check_session_activities(session: AsyncSession, programme: Programme) -> None:
    iris = [item.activity_iri for item in programme.sessions]
    clashes = await session.execute(
        select(SessionRow.activity_iri, SessionRow.programme_id).where(
            SessionRow.activity_iri.in_(iris), SessionRow.programme_id != programme.id
        )
    )
    for iri, owner in clashes:
        raise Conflict(f"session activity {iri} is already a session of programme {owner!r}")


async def _save_organisations(session: AsyncSession, programme: Programme) -> None:
    """Organisations named in the file are created or renamed; others (e.g. from rosters) stay."""
    for organisation in programme.organisations:
        row = await session.get(OrganisationRow, organisation.id)
        if row is None:
            session.add(
                OrganisationRow(id=organisation.id, name=organisation.name, sector=organisation.sector)
            )
        else:
            row.name, row.sector = organisation.name, organisation.sector.value
    await session.flush()


async def _sync_cohorts(session: AsyncSession, programme: Programme) -> None:
    existing = {
        row.id: row
        for row in await session.scalars(select(CohortRow).where(CohortRow.programme_id == programme.id))
    }
    for cohort in programme.cohorts:
        values = {"title": cohort.title, "start_date": cohort.start, "end_date": cohort.end}
        row = existing.pop(cohort.id, None)
        if row is None:
            session.add(CohortRow(id=cohort.id, programme_id=programme.id, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    await session.flush()
    # Sessions of a removed cohort go first (foreign key), then the cohort rows themselves.
    stale = list(existing)
    if stale:
        await session.execute(delete(SessionRow).where(SessionRow.cohort_id.in_(stale)))
        await session.execute(delete(CohortRow).where(CohortRow.id.in_(stale)))


async def _sync_items(
    session: AsyncSession,
    model: type[Base],
    key_name: str,
    programme_id: str,
    wanted: Mapping[str, Mapping[str, Any]],
) -> None:
    """Make `model`'s rows for `programme_id` match `wanted` (key -> column values), keeping row ids."""
    table = model.__table__
    assert isinstance(table, Table)
    key_column = table.c[key_name]
    present = set(await session.scalars(select(key_column).where(table.c.programme_id == programme_id)))
    gone = present - set(wanted)
    if gone:
        await session.execute(delete(table).where(table.c.programme_id == programme_id, key_column.in_(gone)))
    for key, values in wanted.items():
        if key in present:
            await session.execute(
                update(table).where(table.c.programme_id == programme_id, key_column == key).values(**values)
            )
        else:
            await session.execute(
                table.insert().values(programme_id=programme_id, **{key_name: key}, **values)
            )


def _module_rows(programme: Programme) -> dict[str, dict[str, Any]]:
    return {
        module.id: {
            "activity_iri": module.activity_iri,
            "title": module.title,
            "move_on": module.move_on.value,
            "mastery_score": module.mastery_score,
            "due": module.due.isoformat() if module.due else None,
        }
        for module in programme.modules
    }


def _session_rows(programme: Programme) -> dict[str, dict[str, Any]]:
    return {
        item.id: {
            "cohort_id": item.cohort,
            "activity_iri": item.activity_iri,
            "title": item.title,
            "kind": item.kind.value,
            "start_at": item.start,
            "end_at": item.end,
            "timezone": item.timezone,
            "location": item.location,
            "join_url": item.online.join_url if item.online else None,
            "organiser": item.online.organiser if item.online else None,
        }
        for item in programme.sessions
    }


def _block_rows(programme: Programme) -> dict[str, dict[str, Any]]:
    return {
        block.id: {
            "title": block.title,
            "activity_iri": block.activity_iri,
            "members": json.dumps({"modules": list(block.modules), "sessions": list(block.sessions)}),
        }
        for block in programme.blocks
    }
