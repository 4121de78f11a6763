"""The migrations create exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from lrs.storage.engine import open_database
from lrs.storage.programme_models import CohortRow, EnrolmentRow, LearnerRow, OrganisationRow, ProgrammeRow
from lrs.storage.schema import all_metadata, current_revision, migrate


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, all_metadata()))


async def test_migrations_match_models(database_url: str) -> None:
    database = open_database(database_url)
    try:
        await migrate(database)
        await migrate(database)  # idempotent
        assert await current_revision(database) is not None
        async with database.reader.connect() as connection:
            differences = await connection.run_sync(_differences)
        assert differences == []
    finally:
        await database.dispose()


async def test_0008_gives_every_existing_enrolment_its_own_registration(database_url: str) -> None:
    database = open_database(database_url)
    try:
        await migrate(database, "0007_partial_voiding_index")
        now = datetime(2026, 1, 5, tzinfo=UTC)
        async with database.write_session() as session, session.begin():
            await session.execute(
                insert(ProgrammeRow).values(
                    id="p",
                    title="P",
                    definition="{}",
                    definition_hash="h",
                    version=1,
                    source="t",
                    updated_at=now,
                )
            )
            await session.execute(
                insert(CohortRow).values(
                    id="c",
                    programme_id="p",
                    title="C",
                    start_date=date(2026, 1, 5),
                    end_date=date(2026, 6, 30),
                )
            )
            await session.execute(insert(OrganisationRow).values(id="o", name="O", sector="council"))
            for n in range(3):
                await session.execute(
                    insert(LearnerRow).values(
                        id=n + 1, name=f"L{n}", email=f"l{n}@o.gov.uk", email_key=f"l{n}@o.gov.uk",
                        organisation_id="o", role="Director", created_at=now, updated_at=now,
                    )
                )  # fmt: skip
                # Only the columns 0007 has: the model's registration column is not rendered.
                await session.execute(
                    insert(EnrolmentRow).values(
                        learner_id=n + 1, cohort_id="c", status="enrolled", enrolled_at=now
                    )
                )
        await migrate(database)
        async with database.read_session() as session:
            registrations = list(await session.scalars(select(EnrolmentRow.registration)))
        assert len(registrations) == len(set(registrations)) == 3
        assert all(str(uuid.UUID(value)) == value for value in registrations)
    finally:
        await database.dispose()
