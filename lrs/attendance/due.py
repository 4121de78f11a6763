"""Which online sessions are due a Teams attendance pull: ended (with a grace period for Teams to
write its report) within the last few days. `lrs attendance pull-teams --due` pulls them all; run it
from a timer (deploy/systemd/cohort-lrs-attendance.timer) so reports arrive without anyone asking."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lrs.storage.engine import Database
from lrs.storage.programme_models import SessionRow

# Teams writes the attendance report a few minutes after a meeting ends.
REPORT_GRACE = timedelta(minutes=15)


async def sessions_due_a_pull(database: Database, *, now: datetime, lookback: timedelta) -> list[str]:
    """Ids of online sessions (with an organiser) that ended between `now - lookback` and
    `now - REPORT_GRACE`, oldest first. Pulling is idempotent, so a session may be pulled again."""
    async with database.read_session() as session:
        rows = await session.scalars(
            select(SessionRow.session_id)
            .where(
                SessionRow.organiser.is_not(None),
                SessionRow.join_url.is_not(None),
                SessionRow.end_at > now - lookback,
                SessionRow.end_at <= now - REPORT_GRACE,
            )
            .order_by(SessionRow.end_at, SessionRow.session_id)
        )
        return list(dict.fromkeys(rows))
