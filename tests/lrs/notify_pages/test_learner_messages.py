"""The staff learner page lists the messages the engine planned for the learner: why, when due, what
became of each (with the reason when cancelled or throttled) and how each channel answered."""

from __future__ import annotations

import json
from datetime import timedelta

from lrs.clock import utc_now
from lrs.demo_cohort import DEMO_COHORT_ID
from lrs.storage.notification_models import Delivery
from lrs.storage.planned_message_models import PlannedMessage
from notifications.keys import delivery_key, planned_key
from tests.lrs.dashboard.support import ACCOUNTS, OWN_COUNCIL, dashboard_site


def planned(
    learner_id: int, rule: str, occurrence: str, state: str, cohort: str = DEMO_COHORT_ID, **extra: object
) -> PlannedMessage:
    now = utc_now()
    context = {"module_id": "intro"} if rule.startswith("module") else {"session_id": "academy-1"}
    return PlannedMessage(
        key=planned_key(rule, cohort, learner_id, occurrence),
        rule=rule,
        category="nudge",
        programme_id="demo",
        cohort_id=cohort,
        learner_id=learner_id,
        occurrence=occurrence,
        due_at=now - timedelta(days=1),
        state=state,
        context=json.dumps(context),
        created_at=now,
        updated_at=now,
        **extra,
    )


async def test_messages_show_why_state_reason_and_channels(database_url: str) -> None:
    async with dashboard_site(database_url) as site:
        learner = site.learner_of(OWN_COUNCIL)
        now = utc_now()
        sent = planned(learner.id, "module_due", "intro:P7D", "delivered", channel="email", sent_at=now)
        cancelled = planned(
            learner.id, "module_overdue", "intro:P1D", "cancelled", reason="module intro is satisfied"
        )
        elsewhere = planned(learner.id, "missed_session", "academy-1", "throttled", cohort="other-cohort",
                            reason="over the cap of 2 nudges in 7 days")  # fmt: skip
        async with site.lrs.database.write_session() as session, session.begin():
            session.add_all([sent, cancelled, elsewhere])
            for channel, status, error in (
                ("teams", "failed", "the app is not installed"),
                ("email", "delivered", None),
            ):
                session.add(
                    Delivery(
                        idempotency_key=delivery_key(sent.key, channel),
                        channel=channel,
                        recipient="x@example.gov.uk",
                        status=status,
                        attempts=1,
                        last_error=error,
                        created_at=now,
                        updated_at=now,
                    )
                )
        async with site.browser() as client:
            await site.sign_in(client, ACCOUNTS["admin"][0])
            page = await (await client.get(site.url(f"/dashboard/learners/{learner.id}"))).text()
        assert "Messages to this learner" in page
        assert "Module intro is due soon" in page and "Module intro is overdue" in page
        assert "<strong>cancelled</strong>: module intro is satisfied" in page
        assert (
            "teams: failed (1 attempt), the app is not installed" in page
            and "email: delivered (1 attempt)" in page
        )
        assert "Follow-up after missing session academy-1" in page and "over the cap of 2 nudges" in page
        async with site.browser() as client:  # the facilitator sees their own cohort's messages only
            await site.sign_in(client, ACCOUNTS["facilitator"][0])
            page = await (await client.get(site.url(f"/dashboard/learners/{learner.id}"))).text()
        assert (
            "Module intro is due soon" in page
            and "academy-1" not in page.split("Messages to this learner")[1]
        )
