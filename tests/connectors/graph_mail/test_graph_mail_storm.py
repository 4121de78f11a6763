"""500 e-mails through sendMail storms: each sent exactly once, each with Graph's request id."""

from __future__ import annotations

from collections import Counter

from connectors.base import DeliveryStatus, Recipient, RenderedMessage
from connectors.graph_mail.connector import create_connector
from tests.connectors.teams.test_teams_storm import deliver_all
from tests.fakes.microsoft import FakeMicrosoft


def _idempotency_header(body: dict[str, object]) -> str:
    headers = body["message"]["internetMessageHeaders"]  # type: ignore[index]
    return next(h["value"] for h in headers if h["name"] == "X-Idempotency-Key")  # type: ignore[no-any-return]


async def test_storm_sends_every_mail_exactly_once(fake_microsoft: FakeMicrosoft) -> None:
    fake_microsoft.add_user("programmes@council.gov.uk")
    fake_microsoft.faults.add(r"/sendMail$", 429, probability=0.3, retry_after=0)
    fake_microsoft.faults.add(r"/sendMail$", 503, probability=0.1)
    connector = create_connector(fake_microsoft.graph_config(sender="programmes@council.gov.uk"))
    messages = [
        RenderedMessage(f"mail-{n}", Recipient(f"l{n}@example.org"), "Reminder", "Session on Tuesday.")
        for n in range(500)
    ]
    try:
        results = await deliver_all(connector.send, messages)
    finally:
        await connector.close()

    assert {r.status for r in results.values()} == {DeliveryStatus.DELIVERED}
    sent = fake_microsoft.ok(r"/sendMail$")
    assert Counter(_idempotency_header(r.body) for r in sent) == Counter(
        {m.idempotency_key: 1 for m in messages}
    )
    assert {r.provider_id for r in results.values()} == {r.reply_headers["request-id"] for r in sent}
