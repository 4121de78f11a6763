"""A running LRS whose `local` channel writes to a temporary folder, filled by the real LocalConnector,
with an admin and an HR staff account."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from connectors.base import CalendarInvite, Recipient, RenderedMessage
from connectors.local.connector import LocalConnector
from connectors.local.messages import file_stem_for
from connectors.local.settings import LocalSettings
from lrs.clock import utc_now
from lrs.dashboard.users import create_staff_user
from lrs.storage.programme_models import OrganisationRow
from tests.lrs.dashboard.support import PASSWORD, DashboardSite
from tests.lrs_server import running_lrs

ADMIN, HR = "admin@example.gov.uk", "hr@ashvale.example.gov.uk"
HOSTILE_HTML = (
    '<p id="hostile">Hello</p><script>document.title = "pwned"</script>'
    '<img src="https://tracker.example/pixel.gif" alt=""><form action="https://evil.example"></form>'
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def nudge(number: int, html: str | None = None) -> RenderedMessage:
    return RenderedMessage(
        f"module_due:c1:learner-{number}:m1:P7D@local",
        Recipient(f"learner{number}@ashvale.gov.uk", f"Learner {number}"),
        f"Module 1 is due soon ({number})",
        f"Hello Learner {number},\nModule 1 is due on 9 March.\n<b>not bold</b>",
        html=html if html is not None else f"<p>Hello Learner {number}</p>",
        deep_link="https://lrs.example.gov.uk/m/1",
        unsubscribe_url="https://lrs.example.gov.uk/notifications/unsubscribe?t=x",
        metadata={"rule": "module_due", "category": "nudge"},
    )


def invitation() -> RenderedMessage:
    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    invite = CalendarInvite(
        uid="cohort-lrs:c1:review:learner-1", sequence=1, title="Review day", description="Bring notes.",
        start=start, end=start + timedelta(hours=2), attendees=(Recipient("learner1@ashvale.gov.uk"),),
    )  # fmt: skip
    return RenderedMessage(
        "review_day_invite:c1:learner-1:review@local",
        Recipient("learner1@ashvale.gov.uk", "Learner 1"),
        "Invitation: Review day",
        "See you there.",
        invite=invite,
        metadata={"rule": "review_day_invite", "category": "invitation"},
    )


async def fill_outbox(folder: Path, messages: list[RenderedMessage]) -> list[str]:
    """Write the messages in order, each file one second newer than the one before; their stems."""
    times = iter([T0 + timedelta(minutes=n) for n in range(len(messages))])
    connector = LocalConnector(LocalSettings(folder=folder), clock=lambda: next(times))
    stems = []
    for number, message in enumerate(messages):
        await connector.send(message)
        stem = file_stem_for(message.idempotency_key)
        moment = (T0 + timedelta(seconds=number)).timestamp()
        for suffix in (".eml", ".json"):
            os.utime(folder / f"{stem}{suffix}", (moment, moment))
        stems.append(stem)
    return stems


@asynccontextmanager
async def outbox_site(database_url: str, folder: Path) -> AsyncIterator[DashboardSite]:
    async with running_lrs(database_url, connectors={"local": {"folder": str(folder)}}) as lrs:
        async with lrs.database.write_session() as session, session.begin():
            await session.execute(
                insert(OrganisationRow).values(id="ashvale", name="Ashvale", sector="council")
            )
            for email, role, organisations in ((ADMIN, "admin", ()), (HR, "hr", ("ashvale",))):
                await create_staff_user(
                    session,
                    email=email,
                    role=role,
                    organisations=organisations,
                    password=PASSWORD,
                    now=utc_now(),
                )
        yield DashboardSite(lrs, [])
