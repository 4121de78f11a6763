"""A programme's `[notifications]` table: checked at load with the key path, kept in the stored
definition, and applied by the planner over the site's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lrs.programme.fields import DefinitionError
from lrs.programme.loader import parse_programme
from lrs.programme.store import stored_programme
from lrs.storage.engine import Database
from tests.lrs.progress.cohort import COHORT_START
from tests.notifications.engine import due_definition, engine, install, planned
from tests.notifications.support import ManualClock


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"module_nag": True}, "notifications.module_nag: unknown rule (known: welcome,"),
        (
            {"module_due": {"before": ["two weeks"]}},
            "notifications.module_due.before[0]: 'two weeks' is not an ISO",
        ),
        ("on", "notifications: must be a table"),
    ],
)
def test_a_bad_table_is_refused_at_load_naming_the_key(table: object, message: str) -> None:
    definition = {**due_definition(), "notifications": table}
    with pytest.raises(DefinitionError) as raised:
        parse_programme(definition)
    assert str(raised.value).startswith(message)


async def test_the_programme_table_tunes_its_own_rules(database: Database) -> None:
    clock = ManualClock(COHORT_START - timedelta(days=3))
    definition = {
        **due_definition(),
        "notifications": {"module_due": {"before": ["P14D"]}, "module_overdue": False, "welcome": False},
    }
    _programme, learners = await install(database, ["ada@north.gov.uk"], clock.now, definition)
    async with database.read_session() as session:
        stored = await stored_programme(session, "lead")
    assert stored.notifications == definition["notifications"]
    await engine(database, clock, {}).worker.run_until_idle()
    rows = {(row.rule, row.occurrence, row.due_at) for row in (await planned(database)).values()}
    assert {item for item in rows if item[0].startswith("module")} == {
        ("module_due", "intro:P14D", datetime(2026, 1, 19, 9, tzinfo=UTC)),
        ("module_due", "quiz:P14D", datetime(2026, 2, 2, 9, tzinfo=UTC)),
    }
    assert not any(rule == "welcome" for rule, _occurrence, _due in rows)
    assert len(learners) == 1
