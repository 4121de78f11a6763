"""Channel order and fallback with the fake Microsoft servers and a real SMTP server: Teams first; a
learner Teams cannot reach (not in the tenant) gets email under its own key; every hop is logged."""

from __future__ import annotations

from email.utils import parseaddr

from connectors.base import Connector
from lrs.storage.engine import Database
from notifications.delivery_log import DeliveryLog, DeliveryState
from notifications.suppression import StoredSuppressionList
from tests.fakes.microsoft import FakeMicrosoft, fake_microsoft, microsoft_ca
from tests.fakes.smtp import FakeSmtpServer
from tests.notifications.engine import engine, install, planned
from tests.notifications.support import ManualClock, channels, clock

__all__ = ["channels", "clock", "fake_microsoft", "microsoft_ca"]  # fixtures used below

ADA, BEN = "ada@north.gov.uk", "ben@north.gov.uk"


async def test_teams_first_and_email_when_teams_cannot_reach_the_learner(
    database: Database,
    clock: ManualClock,
    channels: dict[str, Connector],
    smtp: FakeSmtpServer,
    fake_microsoft: FakeMicrosoft,
) -> None:
    fake_microsoft.add_user(ADA, display_name="Ada")
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    await engine(database, clock, channels).run()
    rows = await planned(database)
    ada = rows[f"welcome:lead-1:learner-{learners[ADA]}:enrolment"]
    ben = rows[f"welcome:lead-1:learner-{learners[BEN]}:enrolment"]
    assert (ada.state, ada.channel, ada.reason) == ("delivered", "teams", None)
    assert (ben.state, ben.channel) == ("delivered", "email")
    assert ben.reason == f"teams: no Entra user for {BEN}"
    log = DeliveryLog(database)
    teams_hop = await log.get(f"{ben.key}@teams")
    email_hop = await log.get(f"{ben.key}@email")
    assert teams_hop is not None and teams_hop.status is DeliveryState.FAILED
    assert email_hop is not None and email_hop.status is DeliveryState.DELIVERED
    assert await log.get(f"{ada.key}@email") is None
    assert [parseaddr(str(m.parsed()["To"]))[1] for m in smtp.captured()] == [BEN]
    assert not await StoredSuppressionList(database).is_suppressed(BEN)
    assert len(fake_microsoft.ok(r"/teamwork/sendActivityNotification")) == 1  # Ada's, once


async def test_a_learner_without_the_teams_app_gets_email(
    database: Database,
    clock: ManualClock,
    channels: dict[str, Connector],
    smtp: FakeSmtpServer,
    fake_microsoft: FakeMicrosoft,
) -> None:
    fake_microsoft.add_user(ADA, display_name="Ada")
    fake_microsoft.teamwork.without_app.add(fake_microsoft.add_user(BEN, display_name="Ben"))
    _programme, learners = await install(database, [ADA, BEN], clock.now)
    await engine(database, clock, channels).run()
    rows = await planned(database)
    ben = rows[f"welcome:lead-1:learner-{learners[BEN]}:enrolment"]
    assert (ben.state, ben.channel) == ("delivered", "email")
    assert ben.reason is not None and ben.reason.startswith("teams: ") and "not installed" in ben.reason
    assert [parseaddr(str(m.parsed()["To"]))[1] for m in smtp.captured()] == [BEN]
