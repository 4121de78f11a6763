"""Preferences stored in notification_preferences, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from lrs.storage.engine import Database
from lrs.storage.programme_models import LearnerRow, OrganisationRow
from notifications.preferences import PreferenceProblem, Preferences, preferences_for, save_preferences

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


async def _learners(database: Database, count: int) -> None:
    async with database.write_session() as session, session.begin():
        await session.execute(insert(OrganisationRow).values(id="o", name="O", sector="council"))
        for n in range(1, count + 1):
            await session.execute(
                insert(LearnerRow).values(
                    id=n, name=f"L{n}", email=f"l{n}@o.gov.uk", email_key=f"l{n}@o.gov.uk",
                    organisation_id="o", role="Director", created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip


async def test_defaults_then_saved_values_round_trip(database: Database) -> None:
    await _learners(database, 3)
    chosen = Preferences(
        channel_order=("email",), opted_out=frozenset({"nudge"}), language="cy", time_zone="Europe/Belfast",
        quiet_start="17:30", quiet_end="09:00", working_days=frozenset({0, 1, 2}), nation="northern-ireland",
    )  # fmt: skip
    async with database.write_session() as session, session.begin():
        await save_preferences(session, 2, chosen, now=NOW)
    async with database.write_session() as session, session.begin():
        await save_preferences(session, 2, chosen, now=NOW)  # saving again replaces
    async with database.read_session() as session:
        found = await preferences_for(session, [1, 2, 3])
    assert found == {1: Preferences(), 2: chosen, 3: Preferences()}
    assert not chosen.allows("nudge") and chosen.allows("invitation") and chosen.allows("reminder")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel_order": ("fax",)}, "channel_order"),
        ({"opted_out": frozenset({"invitation"})}, "opted_out"),
        ({"language": "fr"}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"quiet_start": "25:00"}, "quiet_start"),
        ({"working_days": frozenset()}, "working_days"),
        ({"nation": "wessex"}, "nation"),
    ],
)
async def test_bad_values_name_the_field_and_store_nothing(
    database: Database, change: dict[str, object], field: str
) -> None:
    await _learners(database, 1)
    bad = Preferences(**change)  # type: ignore[arg-type]
    with pytest.raises(PreferenceProblem, match=field):
        async with database.write_session() as session, session.begin():
            await save_preferences(session, 1, bad, now=NOW)
    async with database.read_session() as session:
        assert await preferences_for(session, [1]) == {1: Preferences()}
