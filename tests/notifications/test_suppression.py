"""The durable suppression list on SQLite and PostgreSQL."""

from __future__ import annotations

from connectors.base import SuppressionList
from lrs.storage.engine import Database
from notifications.suppression import StoredSuppressionList
from tests.notifications.support import START, ManualClock


async def test_suppression_survives_a_new_list_and_ignores_case(database: Database) -> None:
    first: SuppressionList = StoredSuppressionList(database, clock=ManualClock())
    await first.suppress("  Gone@Partner.Example.org ", "smtp 550 5.1.1 user unknown")
    second = StoredSuppressionList(database, clock=ManualClock())
    assert await second.is_suppressed("gone@partner.example.org")
    assert not await second.is_suppressed("sam@partner.example.org")
    entry = await second.entry("GONE@partner.example.org")
    assert entry is not None
    assert (entry.address, entry.reason, entry.suppressed_at) == (
        "gone@partner.example.org",
        "smtp 550 5.1.1 user unknown",
        START,
    )


async def test_the_first_reason_is_kept_and_release_lifts_it(database: Database) -> None:
    suppression = StoredSuppressionList(database, clock=ManualClock())
    await suppression.suppress("gone@partner.example.org", "first bounce")
    await suppression.suppress("gone@partner.example.org", "second bounce")
    await suppression.suppress("also.gone@partner.example.org", "notify permanent-failure")
    assert [(e.address, e.reason) for e in await suppression.entries()] == [
        ("also.gone@partner.example.org", "notify permanent-failure"),
        ("gone@partner.example.org", "first bounce"),
    ]
    assert await suppression.release("Gone@partner.example.org") is True
    assert await suppression.release("gone@partner.example.org") is False
    assert not await suppression.is_suppressed("gone@partner.example.org")
