"""The learner page: their statements, progress and attendance, and the messages sent to them (read
from the deliveries table), each with its channel, why and state."""

from __future__ import annotations

from sqlalchemy import select

from lrs.clock import utc_now
from lrs.storage.notification_models import Delivery
from lrs.storage.programme_models import LearnerRow
from tests.lrs.dashboard.support import ACCOUNTS, OWN_COUNCIL, dashboard_site


async def test_learner_page_shows_timeline_progress_attendance_and_messages(database_url: str) -> None:
    async with dashboard_site(database_url) as site, site.browser() as client:
        learner = site.learner_of(OWN_COUNCIL)
        now = utc_now()
        async with site.lrs.database.write_session() as session, session.begin():
            email = await session.scalar(select(LearnerRow.email).where(LearnerRow.id == learner.id))
            assert email is not None
            session.add(
                Delivery(
                    idempotency_key=f"module-overdue:{learner.id}:digital-basics",
                    channel="email",
                    recipient=email,
                    status="delivered",
                    attempts=1,
                    created_at=now,
                    updated_at=now,
                )
            )
        await site.sign_in(client, ACCOUNTS["hr"][0])
        page = await (await client.get(site.url(f"/dashboard/learners/{learner.id}"))).text()
        assert learner.name in page
        assert "module-overdue" in page and "delivered" in page
        assert page.count("<li><strong>") >= 1  # timeline entries from the generated activity
        assert "Progress per item" in page and "Attendance" in page


def test_timeline_uses_the_statement_timestamp_and_falls_back_to_stored() -> None:
    from datetime import UTC, datetime

    from lrs.dashboard.learner import _when_and_what

    stored = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    body = '{"timestamp": "2026-11-02T09:30:00Z", "object": {"id": "https://x.example/m"}}'
    assert _when_and_what(body, stored) == (datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "https://x.example/m")
    assert _when_and_what('{"timestamp": "not a time"}', stored) == (stored, "")
    assert _when_and_what("not json", stored) == (stored, "")
