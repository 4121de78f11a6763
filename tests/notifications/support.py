"""Shared by the notifications tests: a clock the test moves by hand, messages to send, and the
fixtures most engine tests start from (the clock three days before the cohort starts, an email
connector on the real SMTP server, and Teams plus email on the fake Microsoft servers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Connector, Recipient, RenderedMessage
from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings
from connectors.teams.connector import create_connector as create_teams_connector
from lrs.storage.engine import Database
from notifications.suppression import StoredSuppressionList
from tests.fakes.microsoft import FakeMicrosoft
from tests.fakes.smtp import FakeSmtpServer
from tests.lrs.progress.cohort import COHORT_START

START = datetime(2025, 5, 6, 9, 0, tzinfo=UTC)


class ManualClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def move_to(self, when: datetime) -> None:
        self.now = max(self.now, when)


def nudge(key: str, email: str = "sam@partner.example.org") -> RenderedMessage:
    return RenderedMessage(
        idempotency_key=key,
        recipient=Recipient(email, "Sam Patel"),
        subject="Module 3 is open",
        text="Your next module is ready.",
        html="<p>Your next module is ready.</p>",
    )


@pytest.fixture
def clock() -> ManualClock:
    """Friday 2 January 2026 09:00 London, three days before the test programme's cohort starts:
    inside the default sending window (08:00-18:00, Monday to Friday)."""
    return ManualClock(COHORT_START - timedelta(days=3) + timedelta(hours=9))


def email_connector(smtp: FakeSmtpServer, database: Database, clock: ManualClock) -> EmailConnector:
    settings = EmailSettings.from_mapping(smtp.settings_table())
    return EmailConnector(settings, suppression=StoredSuppressionList(database, clock=clock), clock=clock)


@pytest.fixture
async def email(
    smtp: FakeSmtpServer, database: Database, clock: ManualClock
) -> AsyncIterator[EmailConnector]:
    connector = email_connector(smtp, database, clock)
    yield connector
    await connector.close()


@pytest.fixture
async def channels(
    smtp: FakeSmtpServer, fake_microsoft: FakeMicrosoft, database: Database, clock: ManualClock
) -> AsyncIterator[dict[str, Connector]]:
    """Teams (the fake Graph and Bot servers, app installed on demand) and email (real SMTP)."""
    email = email_connector(smtp, database, clock)
    config = fake_microsoft.graph_config(
        default_web_url="https://teams.microsoft.com/l/entity/app/home", teams_app_id="app-123"
    )
    teams = create_teams_connector(config, suppression=StoredSuppressionList(database, clock=clock))
    yield {"teams": teams, "email": email}
    await teams.close()
    await email.close()
